// bench-sink: binds PULL on BENCH_SINK_BIND (tcp://*:5600) and times each run of BENCH_PLAN that
// bench-source pushes, from its first payload to its end marker. Prints one `BENCH {...}` line per
// run, their RESULT, and exits 0 after the last; nothing for BENCH_TIMEOUT_MS exits 3.
import * as zmq from "zeromq";
import { endpoint, Exit, runRole, timeout } from "../runtime/index.js";
import { benchPlan, formatResult, MAX_PAYLOAD, readFrames, type BenchResult } from "./wire.js";

await runRole(
  "bench-sink",
  {
    BENCH_SINK_BIND: endpoint({ default: "tcp://*:5600" }),
    ...benchPlan,
    BENCH_TIMEOUT_MS: timeout({ default: 15_000 }),
  },
  async (role) => {
    const { config, log } = role;
    // The runtime refuses frames over 64 KiB; a benchmark payload may be up to 1 MiB.
    const socket = role.open(zmq.Pull, { receiveTimeout: config.BENCH_TIMEOUT_MS, maxMessageSize: MAX_PAYLOAD + 1024 });
    await role.bind(socket, config.BENCH_SINK_BIND);
    role.ready(`${config.BENCH_PLAN.length} runs`);

    const runs: BenchResult[] = [];
    for (const [run, { mode, size }] of config.BENCH_PLAN.entries()) {
      let [messages, bytes, started] = [0, 0, 0];
      for (let end = false; !end; ) {
        const frames = await role.receive(socket);
        if (role.stopping) return;
        if (!frames) {
          log.error(`run ${run}: nothing for ${config.BENCH_TIMEOUT_MS} ms after ${messages} messages`);
          return Exit.noPeer;
        }
        if (messages === 0) started = performance.now();
        const read = readFrames(frames);
        [messages, bytes, end] = [messages + read.payloads, bytes + read.bytes, read.end];
      }
      const seconds = (performance.now() - started) / 1000;
      runs.push({ kind: "throughput", run, mode, size, messages, bytes, seconds });
      log.notice(formatResult(runs.at(-1)!));
    }
    log.result({ runs });
    return Exit.ok;
  },
);
