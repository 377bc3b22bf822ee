// bench-sub: connects SUB to BENCH_SUB_CONNECT (tcp://bench-pub:5602), subscribes to topic BENCH_TOPIC
// (one of ten, so 10 % of the feed) and to `END `, and counts each run's payloads from the first to
// the last. Prints one `BENCH {...}` line per run; exits 0, or 3 when a run's end never comes.
import * as zmq from "zeromq";
import { endpoint, Exit, integer, runRole, timeout } from "../runtime/index.js";
import { benchPlan, END_PREFIX, formatResult, MAX_PAYLOAD, readFrames, topicOf, TOPICS, type BenchResult } from "./wire.js";

await runRole(
  "bench-sub",
  {
    BENCH_SUB_CONNECT: endpoint({ default: "tcp://bench-pub:5602" }),
    ...benchPlan,
    BENCH_TOPIC: integer({ min: 0, max: TOPICS - 1, default: 3 }),
    BENCH_TIMEOUT_MS: timeout({ default: 15_000 }),
  },
  async (role) => {
    const { config, log } = role;
    const socket = role.open(zmq.Subscriber, { receiveTimeout: config.BENCH_TIMEOUT_MS, maxMessageSize: MAX_PAYLOAD + 1024 });
    socket.subscribe(topicOf(config.BENCH_TOPIC), END_PREFIX);
    role.connect(socket, config.BENCH_SUB_CONNECT);
    role.ready(`topic "${topicOf(config.BENCH_TOPIC)}"`);

    const runs: BenchResult[] = [];
    for (const [run, { mode, size, count }] of config.BENCH_PLAN.entries()) {
      const expected = Math.floor(count / TOPICS) + (count % TOPICS > config.BENCH_TOPIC ? 1 : 0);
      let [delivered, first, last] = [0, 0, 0];
      for (;;) {
        const frames = await role.receive(socket);
        if (role.stopping) return;
        if (!frames) {
          log.error(`run ${run}: no end marker within ${config.BENCH_TIMEOUT_MS} ms (${delivered} payloads)`);
          return Exit.noPeer;
        }
        const head = frames[0]?.toString("latin1", 0, 16) ?? "";
        if (head.startsWith(END_PREFIX)) {
          // A repeat of an earlier run's marker is not this run's end.
          if (head === `${END_PREFIX}${run}`) break;
          continue;
        }
        // One frame: a naive message. More: a topic frame, then the payloads.
        const { payloads } = frames.length === 1 ? { payloads: 1 } : readFrames(frames, 1);
        if (delivered === 0) first = performance.now();
        last = performance.now();
        delivered += payloads;
      }
      const seconds = (last - first) / 1000;
      runs.push({ kind: "pubsub", run, mode, size, delivered, expected, seconds });
      log.notice(formatResult(runs.at(-1)!));
    }
    log.result({ runs });
    return Exit.ok;
  },
);
