// lb-broker: binds a ROUTER for clients on FRONTEND_BIND (tcp://*:5570) and a ROUTER for workers on
// BACKEND_BIND (tcp://*:5571). Hands each request to the least recently used ready worker, keeps
// requests waiting (at most BROKER_QUEUE_MAX) while none is, and answers QUEUE_FULL beyond that.
// Heartbeats workers every HEARTBEAT_MS; one silent for 3 of them is purged and its request re-queued.
import * as zmq from "zeromq";
import { endpoint, integer, runRole, serialSend, timeout } from "../runtime/index.js";
import { Dispatcher } from "./dispatcher.js";

await runRole(
  "lb-broker",
  {
    FRONTEND_BIND: endpoint({ default: "tcp://*:5570" }),
    BACKEND_BIND: endpoint({ default: "tcp://*:5571" }),
    BROKER_QUEUE_MAX: integer({ min: 0, max: 1_000_000, default: 100 }),
    BROKER_IDLE_MS: timeout({ default: 2000 }),
  },
  async (role) => {
    const { config, log } = role;
    const frontend = role.open(zmq.Router);
    const backend = role.open(zmq.Router);
    await role.bind(frontend, config.FRONTEND_BIND);
    await role.bind(backend, config.BACKEND_BIND);
    const quiet = (err: unknown) => role.stopping || log.warn(`send failed: ${String(err)}`);
    const [toClient, toWorker] = [serialSend(frontend, quiet), serialSend(backend, quiet)];
    const hb = role.heartbeatMs;
    const broker = new Dispatcher({ queueMax: config.BROKER_QUEUE_MAX, heartbeatMs: hb }, { toClient, toWorker }, log);
    role.ready(`queue max ${config.BROKER_QUEUE_MAX}, heartbeat ${hb} ms`);

    const clients = (async () => {
      for await (const frames of frontend) broker.fromClient(frames, Date.now());
    })();
    const workers = (async () => {
      for await (const frames of backend) broker.fromWorker(frames, Date.now());
    })();

    // Heartbeats out every HEARTBEAT_MS; silence checked four times as often, so a dead worker
    // goes at most a quarter beat after its third missed heartbeat.
    let [lastBeat, reportedAt] = [0, 0];
    const beat = setInterval(() => {
      const now = Date.now();
      const beating = now - lastBeat >= hb - hb / 4;
      if (beating) lastBeat = now;
      broker.check(now, beating);
      // The report, once requests and replies have stopped for BROKER_IDLE_MS.
      if (broker.activeAt > reportedAt && now - broker.activeAt >= config.BROKER_IDLE_MS) {
        reportedAt = now;
        broker.tally.report(log, `idle for ${config.BROKER_IDLE_MS} ms`);
      }
    }, hb / 4);

    try {
      await Promise.all([clients, workers]);
    } finally {
      clearInterval(beat);
      broker.tally.report(log, "stopping", true);
    }
  },
  // HEARTBEAT_MS (the runtime reads it) paces the broker's own heartbeats too; 0 is refused here.
  { needsHeartbeats: true },
);
