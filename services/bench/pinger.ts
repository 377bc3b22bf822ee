// bench-pinger: connects REQ to BENCH_PING_CONNECT (tcp://bench-echo:5601) and times BENCH_ROUNDS round
// trips of a 64 B request, after BENCH_WARMUP untimed ones; stops early after BENCH_RUN_MS.
// Prints p50, p99, max and mean in µs as one `BENCH {...}` line and its RESULT; exits 0 (3 on a lost reply).
import * as zmq from "zeromq";
import { endpoint, Exit, integer, millis, runRole, summarize, timeout } from "../runtime/index.js";
import { formatResult, payload } from "./wire.js";

await runRole(
  "bench-pinger",
  {
    BENCH_PING_CONNECT: endpoint({ default: "tcp://bench-echo:5601" }),
    BENCH_ROUNDS: integer({ min: 1, max: 10_000_000, default: 10_000 }),
    BENCH_WARMUP: integer({ min: 0, max: 1_000_000, default: 500 }),
    BENCH_RUN_MS: millis({ default: 20_000 }),
    BENCH_TIMEOUT_MS: timeout({ default: 5000 }),
  },
  async (role) => {
    const { config, log } = role;
    const timeout = config.BENCH_TIMEOUT_MS;
    const socket = role.open(zmq.Request, { receiveTimeout: timeout, sendTimeout: timeout });
    role.connect(socket, config.BENCH_PING_CONNECT);
    role.ready(`${config.BENCH_ROUNDS} round trips`);

    const data = payload(64);
    const samples = new Float64Array(config.BENCH_ROUNDS);
    const deadline = performance.now() + config.BENCH_RUN_MS;
    let rounds = 0;
    try {
      for (let i = -config.BENCH_WARMUP; i < config.BENCH_ROUNDS && (i < 0 || performance.now() < deadline); i++) {
        const started = process.hrtime.bigint();
        await socket.send(data);
        if (!(await role.receive(socket))) {
          if (role.stopping) return;
          log.error(`no reply within ${timeout} ms after ${rounds} round trips`);
          return Exit.noPeer;
        }
        if (i >= 0) samples[rounds++] = Number(process.hrtime.bigint() - started) / 1000;
      }
    } catch (err) {
      if (!role.timedOut(err)) throw err;
      log.error(`request not taken within ${timeout} ms after ${rounds} round trips`);
      return Exit.noPeer;
    }
    const result = { kind: "latency", rounds, ...summarize(samples.subarray(0, rounds)) } as const;
    log.notice(formatResult(result));
    log.result(result);
    return Exit.ok;
  },
);
