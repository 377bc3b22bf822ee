// lb-broker: binds a ROUTER for clients on FRONTEND_BIND (tcp://*:5570) and a ROUTER for workers on
// BACKEND_BIND (tcp://*:5571). Hands each request to the least recently used ready worker, keeps
// requests waiting (at most BROKER_QUEUE_MAX) while none is, and answers QUEUE_FULL beyond that.
// Heartbeats workers every HEARTBEAT_MS; one silent for 3 of them is purged and its request re-queued.
import * as zmq from "zeromq";
import { endpoint, integer, runRole, timeout } from "../runtime/index.js";
import { serialSend } from "../runtime/serial-send.js";
import { BrokerTally } from "./report.js";
import { heartbeat, MALFORMED, parseFromWorker, QUEUE_FULL, request } from "./wire.js";

interface Job {
  id: number;
  client: Buffer;
  body: Buffer;
}
interface Worker {
  name: string;
  routing: Buffer;
  lastSeen: number;
  job?: Job;
}

await runRole(
  "lb-broker",
  {
    FRONTEND_BIND: endpoint({ default: "tcp://*:5570" }),
    BACKEND_BIND: endpoint({ default: "tcp://*:5571" }),
    BROKER_QUEUE_MAX: integer({ min: 0, max: 1_000_000, default: 100 }),
    HEARTBEAT_MS: integer({ min: 50, max: 60_000, default: 1000 }),
    BROKER_IDLE_MS: timeout({ default: 2000 }),
  },
  async (role) => {
    const { config, log } = role;
    const frontend = role.open(zmq.Router);
    const backend = role.open(zmq.Router);
    await role.bind(frontend, config.FRONTEND_BIND);
    await role.bind(backend, config.BACKEND_BIND);
    const quiet = (err: unknown) => role.stopping || log.warn(`send failed: ${String(err)}`);
    const toClient = serialSend(frontend, quiet);
    const toWorker = serialSend(backend, quiet);
    role.ready(`queue max ${config.BROKER_QUEUE_MAX}, heartbeat ${config.HEARTBEAT_MS} ms`);

    const tally = new BrokerTally();
    const workers = new Map<string, Worker>(); // by routing id (hex)
    const ready: Worker[] = []; // least recently used first
    const queue: Job[] = [];
    let nextId = 1;
    let lastActivity = Date.now();
    let unreported = false;
    const touch = () => ([lastActivity, unreported] = [Date.now(), true]);

    const dispatch = () => {
      while (ready.length > 0 && queue.length > 0) {
        const worker = ready.shift()!;
        const job = queue.shift()!;
        worker.job = job;
        void toWorker([worker.routing, ...request(job.id, job.body)]);
      }
    };
    // Drops a worker; a request it held goes back to the head of the queue (returned, for the log).
    const forget = (worker: Worker): Job | undefined => {
      workers.delete(worker.routing.toString("hex"));
      const at = ready.indexOf(worker);
      if (at >= 0) ready.splice(at, 1);
      const job = worker.job;
      if (job) {
        tally.result.requeued++;
        queue.unshift(job);
        tally.queued(queue.length);
      }
      return job;
    };

    // Clients: [client id, "", body] from REQ; the reply goes back the same way.
    const clients = (async () => {
      for await (const [client, empty, ...body] of frontend) {
        touch();
        if (!client || empty?.length !== 0) {
          log.warn(`malformed client message ${++tally.result.malformed} dropped (not a REQ envelope)`);
          continue;
        }
        // A REQ client waits for an answer to anything it sent: refuse it out loud.
        if (body.length !== 1) {
          log.warn(`malformed client request ${++tally.result.malformed} refused (${body.length} body frames, not 1)`);
          void toClient([client, "", MALFORMED]);
          continue;
        }
        if (queue.length >= config.BROKER_QUEUE_MAX && ready.length === 0) {
          tally.result.full++;
          log.warn(`queue full (${queue.length} waiting, BROKER_QUEUE_MAX): refusing a request`);
          void toClient([client, "", QUEUE_FULL]);
          continue;
        }
        queue.push({ id: nextId++, client, body: body[0]! });
        tally.queued(queue.length);
        dispatch();
      }
    })();

    // Workers: [routing id, command, ...]. Any message is a sign of life.
    const backendLoop = (async () => {
      for await (const [routing, ...frames] of backend) {
        const key = routing!.toString("hex");
        const known = workers.get(key);
        if (known) known.lastSeen = Date.now();
        const message = parseFromWorker(frames);
        if (!message.ok) {
          log.warn(`malformed worker message ${++tally.result.malformed} dropped: ${message.reason}`);
          continue;
        }
        const m = message.value;
        if (m.kind === "READY") {
          if (known) forget(known);
          const worker = { name: m.worker, routing: routing!, lastSeen: Date.now() };
          workers.set(key, worker);
          ready.push(worker);
          log.info(`worker ${m.worker} ready (${workers.size} connected)`);
        } else if (m.kind === "REPLY") {
          touch();
          if (!known || known.job?.id !== m.request) {
            tally.result.late++;
            log.warn(`late reply to request ${m.request} from ${known?.name ?? "a purged worker"}: dropped, it was answered elsewhere or re-queued`);
            continue;
          }
          const job = known.job;
          known.job = undefined;
          ready.push(known);
          tally.answered(known.name);
          void toClient([job.client, "", m.body]);
        }
        dispatch();
      }
    })();

    // Heartbeats out every HEARTBEAT_MS; silence checked four times as often, so a dead worker
    // goes at most a quarter beat after its third missed heartbeat.
    const hb = config.HEARTBEAT_MS;
    let lastBeat = 0;
    const beat = setInterval(() => {
      const now = Date.now();
      const beating = now - lastBeat >= hb - hb / 4;
      if (beating) lastBeat = now;
      for (const worker of [...workers.values()]) {
        const silent = now - worker.lastSeen;
        if (silent <= 3 * hb) {
          if (beating) void toWorker([worker.routing, ...heartbeat()]);
          continue;
        }
        const job = forget(worker);
        tally.result.purged++;
        log.warn(`purged worker ${worker.name}: silent for ${silent} ms${job ? `, re-queued request ${job.id}` : ""} (${workers.size} left)`);
      }
      dispatch();
      if (unreported && now - lastActivity >= config.BROKER_IDLE_MS) {
        unreported = false;
        tally.report(log, `idle for ${config.BROKER_IDLE_MS} ms`);
      }
    }, hb / 4);

    try {
      await Promise.all([clients, backendLoop]);
    } finally {
      clearInterval(beat);
      tally.report(log, "stopping");
    }
  },
);
