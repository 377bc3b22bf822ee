// weather-pub: binds a PUB socket on PUB_BIND (tcp://*:5556).
// Publishes PUB_RATE random updates a second (max: as fast as it can), exactly the tutorial's "<zip> <temp>",
// zips from PUB_ZIPS, until stopped; every COUNT_EVERY_MS, "#sent <zip> <PUB_ID> <count>" for each zip it
// updated meanwhile. PUB never waits: updates no subscriber has asked for (yet) are dropped.
import { setImmediate as turn } from "node:timers/promises";
import * as zmq from "zeromq";
import { endpoint, roleId, runRole } from "../runtime/index.js";
import { formatRange, pubRate, UpdateFeed, zipRange } from "./wire.js";

const TICK_MS = 10;
/** At PUB_RATE=max, updates sent between two turns of the event loop (signals, timers, telemetry). */
const BURST = 1000;
const PROGRESS_MS = 5000;
/** How often the count stream reports: a subscriber checks for drops between two counts. */
const COUNT_EVERY_MS = 100;

await runRole(
  "weather-pub",
  {
    PUB_BIND: endpoint({ default: "tcp://*:5556" }),
    // Unset: the replica's compose name (weather-pub-1).
    PUB_ID: roleId({ default: undefined }),
    PUB_ZIPS: zipRange({ default: { min: 10000, max: 10019 } }),
    PUB_RATE: pubRate({ default: 200 }),
  },
  async (role) => {
    const { config, log } = role;
    const rate = config.PUB_RATE;
    const id = config.PUB_ID ?? role.replica;
    // A PUB send never blocks (it drops at the high-water mark), so with no timeout each one is done
    // when send() returns: no await per update, which would cost a turn of the event loop each.
    const socket = role.open(zmq.Publisher, { sendTimeout: 0 });
    await role.bind(socket, config.PUB_BIND);
    role.ready(`publishing ${rate === Infinity ? "as fast as it can" : `${rate} updates/s`} for zips ${formatRange(config.PUB_ZIPS)} as ${id}`);

    const feed = new UpdateFeed(config.PUB_ZIPS);
    let sent = 0;
    role.figures(() => ({ id, sent }));
    let credit = 0;
    let last = performance.now();
    let progressAt = last + PROGRESS_MS;
    let countAt = last + COUNT_EVERY_MS;
    while (!role.stopping) {
      const now = performance.now();
      // Pace by elapsed time so timer jitter doesn't change the rate; a stall is made up for by at most a second.
      credit = rate === Infinity ? BURST : Math.min(credit + ((now - last) * rate) / 1000, rate);
      last = now;
      for (; credit >= 1; credit--, sent++) void socket.send(feed.next());
      if (now >= countAt) {
        for (const message of feed.countMessages(id)) void socket.send(message);
        countAt = now + COUNT_EVERY_MS;
      }
      if (now >= progressAt) {
        log.info(`published ${sent} updates`);
        progressAt += PROGRESS_MS;
      }
      await (rate === Infinity ? turn() : role.sleep(TICK_MS));
    }
    log.info(`published ${sent} updates in all`);
  },
);
