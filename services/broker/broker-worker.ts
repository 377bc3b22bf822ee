// broker-worker: connects a DEALER to BROKER_CONNECT (tcp://lb-broker:5571), says READY, and serves
// one request at a time: WORK_MS (+ up to WORK_JITTER_MS) of work, then a reply naming this worker.
// Heartbeats the broker every HEARTBEAT_MS; when the broker is silent for 3 of them it reconnects on
// a fresh socket after a backoff that doubles from 1 s to 32 s. Reports served and busy time on stop.
import * as zmq from "zeromq";
import { endpoint, millis, preview, roleId, runRole, serialSend } from "../runtime/index.js";
import { reportWorker, type WorkerResult } from "./report.js";
import { heartbeat, parseFromBroker, ready, reply, replyText } from "./wire.js";

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 32_000;

await runRole(
  "broker-worker",
  {
    BROKER_CONNECT: endpoint({ default: "tcp://lb-broker:5571" }),
    // Unset: the compose replica name (broker-worker-2), else the hostname.
    WORKER_ID: roleId({ default: undefined }),
    WORK_MS: millis({ default: 100 }),
    WORK_JITTER_MS: millis({ default: 0 }),
  },
  async (role) => {
    const { config, log } = role;
    const hb = role.heartbeatMs;
    const id = config.WORKER_ID ?? role.replica;
    const result: WorkerResult = { worker: id, served: 0, busyMs: 0, reconnects: 0 };
    let backoff = BACKOFF_MIN_MS;
    let announced = false;

    while (!role.stopping) {
      // A fresh socket each time: a new routing id, nothing queued for the broker that was lost.
      const socket = role.open(zmq.Dealer, { receiveTimeout: Math.max(1, Math.floor(hb / 4)) });
      role.connect(socket, config.BROKER_CONNECT);
      const send = serialSend(socket, () => undefined);
      void send(ready(id));
      if (!announced) role.ready(`id ${id}, work ${config.WORK_MS} ms (+${config.WORK_JITTER_MS} jitter), heartbeat ${hb} ms`);
      announced = true;
      let [lastHeard, lastSent] = [Date.now(), Date.now()];
      let heard = false;
      // One request at a time: the next waits for the one before, heartbeats keep going meanwhile.
      let work = Promise.resolve();

      while (!role.stopping) {
        const frames = await role.receive(socket);
        if (role.stopping) break;
        if (frames) {
          [lastHeard, heard] = [Date.now(), true];
          const message = parseFromBroker(frames);
          if (!message.ok) log.warn(`malformed message from the broker ignored: ${message.reason}`);
          else if (message.value.kind === "REQUEST") {
            const { request, body } = message.value;
            work = work.then(async () => {
              log.info(`working on request ${request}`);
              const started = Date.now();
              const cost = config.WORK_MS + Math.floor(Math.random() * (config.WORK_JITTER_MS + 1));
              // A timer costs about 1 ms even at 0: no work means no wait (the bench's round trips).
              if (cost > 0) await role.sleep(cost);
              if (role.stopping || socket.closed) return;
              const took = Date.now() - started;
              [result.served, result.busyMs, lastSent] = [result.served + 1, result.busyMs + took, Date.now()];
              await send(reply(request, replyText(id)));
              log.info(`served request ${request} in ${took} ms: ${preview([body])}`);
            });
          }
        }
        const now = Date.now();
        // Never more than one beat apart, checked every quarter beat: 3 missed really means dead.
        if (now - lastSent >= hb - hb / 4) {
          lastSent = now;
          void send(heartbeat());
        }
        if (now - lastHeard > 3 * hb) break;
      }
      role.discard(socket);
      if (role.stopping) break;
      if (heard) backoff = BACKOFF_MIN_MS;
      log.warn(`broker silent for ${Date.now() - lastHeard} ms: reconnecting on a fresh socket in ${backoff} ms`);
      await role.sleep(backoff);
      backoff = Math.min(2 * backoff, BACKOFF_MAX_MS);
      result.reconnects++;
    }
    reportWorker(log, "stopping", result);
  },
  // HEARTBEAT_MS (the runtime reads it) paces the broker's own heartbeats too; 0 is refused here.
  { needsHeartbeats: true },
);
