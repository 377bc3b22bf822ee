// bench-pub: binds XPUB on BENCH_PUB_BIND (tcp://*:5602), waits until BENCH_SUBSCRIBERS subscribers have
// subscribed, then publishes each run of BENCH_PLAN over ten topics, `t0 ` to `t9 `, and closes it
// with `END <run>`. "naive" sends one message per payload; "lab" batches per topic. Exits 0.
import * as zmq from "zeromq";
import { Batcher, endpoint, Exit, integer, millis, runRole, timeout } from "../runtime/index.js";
import { benchPlan, END_PREFIX, endTopic, payload, topicOf, TOPICS } from "./wire.js";

await runRole(
  "bench-pub",
  {
    BENCH_PUB_BIND: endpoint({ default: "tcp://*:5602" }),
    ...benchPlan,
    BENCH_SUBSCRIBERS: integer({ min: 1, max: 100, default: 1 }),
    BENCH_RUN_MS: millis({ default: 5000 }),
    BENCH_TIMEOUT_MS: timeout({ default: 15_000 }),
  },
  async (role) => {
    const { config, log } = role;
    // XPUB shows every subscription (verbose), so we know when all subscribers are listening.
    const socket = role.open(zmq.XPublisher, { receiveTimeout: config.BENCH_TIMEOUT_MS, maxMessageSize: -1 });
    socket.verbosity = "allSubs";
    await role.bind(socket, config.BENCH_PUB_BIND);
    role.ready(`waiting for ${config.BENCH_SUBSCRIBERS} subscribers`);
    for (let listening = 0; listening < config.BENCH_SUBSCRIBERS; ) {
      const [frame] = (await role.receive(socket)) ?? [];
      if (role.stopping) return;
      if (!frame) {
        log.error(`only ${listening} of ${config.BENCH_SUBSCRIBERS} subscribers within ${config.BENCH_TIMEOUT_MS} ms`);
        return Exit.noPeer;
      }
      if (frame[0] === 1 && frame.subarray(1).toString().startsWith(END_PREFIX)) listening++;
    }
    log.info(`${config.BENCH_SUBSCRIBERS} subscribers listening`);

    const send = (frames: Buffer[]) => socket.send(frames);
    for (const [run, { mode, size, count }] of config.BENCH_PLAN.entries()) {
      const topics = Array.from({ length: TOPICS }, (_, t) => Buffer.from(topicOf(t)));
      // Naive: the topic is the frame's first bytes. Lab: a topic frame, then a batch of payloads.
      const single = topics.map((topic) => Buffer.concat([topic, payload(Math.max(0, size - topic.length))]));
      const batchers = topics.map((topic) => new Batcher(send, undefined, [topic]));
      const data = payload(size);
      const deadline = performance.now() + config.BENCH_RUN_MS;
      let sent = 0;
      for (; sent < count && (sent % 1024 !== 0 || performance.now() < deadline); sent++) {
        if (mode === "naive") await socket.send(single[sent % TOPICS]!);
        else await batchers[sent % TOPICS]!.add(data);
      }
      for (const batcher of batchers) await batcher.flush();
      // PUB drops what a slow subscriber can't queue, the end marker too: say it three times.
      for (let i = 0; i < 3; i++) {
        await role.sleep(100);
        await socket.send(endTopic(run));
      }
      log.info(`run ${run}: published ${sent} of ${count} ${mode} payloads of ${size} B`);
    }
  },
);
