// weather-pub: binds a PUB socket on PUB_BIND (tcp://*:5556).
// Publishes PUB_RATE random updates a second, exactly the tutorial's "<zip> <temp>", zips from PUB_ZIPS,
// until stopped; every COUNT_EVERY_MS, "#sent <zip> <PUB_ID> <count>" for each zip it updated meanwhile.
// PUB never waits: updates no subscriber has asked for (yet) are dropped.
import * as zmq from "zeromq";
import { endpoint, integer, roleId, runRole } from "../runtime/index.js";
import { formatCount, formatRange, formatUpdate, randomUpdate, zipRange } from "./wire.js";

const TICK_MS = 10;
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
    PUB_RATE: integer({ min: 1, max: 100_000, default: 200 }),
  },
  async (role) => {
    const { config, log } = role;
    const rate = config.PUB_RATE;
    const id = config.PUB_ID ?? role.replica;
    const socket = role.open(zmq.Publisher);
    await role.bind(socket, config.PUB_BIND);
    role.ready(`publishing ${rate} updates/s for zips ${formatRange(config.PUB_ZIPS)} as ${id}`);

    let sent = 0;
    role.figures(() => ({ id, sent }));
    let credit = 0;
    let last = performance.now();
    let progressAt = last + PROGRESS_MS;
    let countAt = last + COUNT_EVERY_MS;
    // Updates sent per zip, and the zips updated since the last counts went out.
    const counts = new Map<string, number>();
    const changed = new Set<string>();
    while (!role.stopping) {
      const now = performance.now();
      // Pace by elapsed time so timer jitter doesn't change the rate; a stall is made up for by at most a second.
      credit = Math.min(credit + ((now - last) * rate) / 1000, rate);
      last = now;
      for (; credit >= 1 && !role.stopping; credit--) {
        const update = randomUpdate(config.PUB_ZIPS);
        await socket.send(formatUpdate(update));
        counts.set(update.zip, (counts.get(update.zip) ?? 0) + 1);
        changed.add(update.zip);
        sent++;
      }
      if (now >= countAt) {
        for (const zip of changed) await socket.send(formatCount({ zip, publisher: id, count: counts.get(zip)! }));
        changed.clear();
        countAt = now + COUNT_EVERY_MS;
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
