// weather-pub: binds a PUB socket on PUB_BIND (tcp://*:5556).
// Publishes PUB_RATE random updates a second, "<zip> <temp> <id> <seq>", zips from PUB_ZIPS, until stopped.
// PUB never waits: updates no subscriber has asked for (yet) are dropped.
import { hostname } from "node:os";
import * as zmq from "zeromq";
import { endpoint, integer, runRole } from "../runtime/index.js";
import { formatRange, formatUpdate, publisherId, randomUpdate, zipRange } from "./weather.js";

const TICK_MS = 10;
const PROGRESS_MS = 5000;

await runRole(
  "weather-pub",
  {
    PUB_BIND: endpoint({ default: "tcp://*:5556" }),
    PUB_ID: publisherId({ default: hostname() }),
    PUB_ZIPS: zipRange({ default: { min: 10000, max: 10019 } }),
    PUB_RATE: integer({ min: 1, max: 100_000, default: 200 }),
  },
  async (role) => {
    const { config, log } = role;
    const rate = config.PUB_RATE;
    const socket = role.open(zmq.Publisher);
    await role.bind(socket, config.PUB_BIND);
    role.ready(`publishing ${rate} updates/s for zips ${formatRange(config.PUB_ZIPS)} as ${config.PUB_ID}`);

    let sent = 0;
    let credit = 0;
    let last = performance.now();
    let progressAt = last + PROGRESS_MS;
    while (!role.stopping) {
      const now = performance.now();
      // Pace by elapsed time so timer jitter doesn't change the rate; a stall is made up for by at most a second.
      credit = Math.min(credit + ((now - last) * rate) / 1000, rate);
      last = now;
      for (; credit >= 1 && !role.stopping; credit--) {
        await socket.send(formatUpdate(randomUpdate(config.PUB_ZIPS, config.PUB_ID, ++sent)));
      }
      if (now >= progressAt) {
        log.info(`published ${sent} updates`);
        progressAt += PROGRESS_MS;
      }
      await role.sleep(TICK_MS);
    }
    log.info(`published ${sent} updates in all`);
  },
);
