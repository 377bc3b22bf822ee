// bench-source: connects PUSH to BENCH_SOURCE_CONNECT (tcp://bench-sink:5600) and pushes each run of
// BENCH_PLAN: "naive" awaits one send per payload; "lab" batches payloads into multipart messages
// (runtime Batcher). A run stops early after BENCH_RUN_MS; an end marker closes it. After the last
// run it stays until the sink hangs up (BENCH_TIMEOUT_MS at most), then exits 0.
import * as zmq from "zeromq";
import { Batcher, endpoint, millis, runRole, timeout } from "../runtime/index.js";
import { benchPlan, END, payload } from "./wire.js";

await runRole(
  "bench-source",
  {
    BENCH_SOURCE_CONNECT: endpoint({ default: "tcp://bench-sink:5600" }),
    ...benchPlan,
    BENCH_RUN_MS: millis({ default: 5000 }),
    BENCH_TIMEOUT_MS: timeout({ default: 15_000 }),
  },
  async (role) => {
    const { config, log } = role;
    const socket = role.open(zmq.Push, { maxMessageSize: -1 });
    role.connect(socket, config.BENCH_SOURCE_CONNECT);
    // ZeroMQ says nothing when a queued message has left; the sink closing its end after the last
    // run does. Returning before it would close this socket with the runtime's short linger and
    // drop the tail of a run of large payloads.
    const sinkDone = new Promise<void>((resolve) => socket.events.on("disconnect", () => resolve()));
    role.ready(`${config.BENCH_PLAN.length} runs`);

    for (const [run, { mode, size, count }] of config.BENCH_PLAN.entries()) {
      const data = payload(size);
      const deadline = performance.now() + config.BENCH_RUN_MS;
      const batcher = new Batcher((frames) => socket.send(frames));
      let sent = 0;
      // Checking the clock every 1024 payloads keeps it out of the hot loop.
      for (; sent < count && (sent % 1024 !== 0 || performance.now() < deadline); sent++) {
        if (mode === "naive") await socket.send(data);
        else await batcher.add(data);
      }
      await batcher.flush();
      await socket.send(END);
      log.info(`run ${run}: sent ${sent} of ${count} ${mode} payloads of ${size} B`);
    }
    await Promise.race([sinkDone, role.sleep(config.BENCH_TIMEOUT_MS)]);
  },
);
