// The broker's state, without sockets: which workers are ready (least recently used first), which
// requests wait, which worker holds which request, and who has gone silent. lb-broker feeds it
// what arrives and sends what it returns; unit tests drive it with a fake clock.
import { HEARTBEAT_MISSES, type Log } from "../runtime/index.js";
import { BrokerTally } from "./report.js";
import { heartbeat, MALFORMED, parseFromWorker, QUEUE_FULL, request } from "./wire.js";

type Frames = Array<Buffer | string>;

export interface Outbox {
  toClient(frames: Frames): void;
  toWorker(frames: Frames): void;
}

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

export class Dispatcher {
  readonly tally = new BrokerTally();
  /** When a client request or a worker's reply last arrived (0: never). */
  activeAt = 0;
  private readonly workers = new Map<string, Worker>(); // by routing id (hex)
  private readonly ready: Worker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(
    private readonly options: { queueMax: number; heartbeatMs: number },
    private readonly out: Outbox,
    private readonly log: Log,
  ) {}

  get connected(): number {
    return this.workers.size;
  }

  /** A client message from the frontend ROUTER: [client id, "", body] from a REQ. */
  fromClient([client, empty, ...body]: Buffer[], now: number): void {
    const { tally, log } = this;
    this.activeAt = now;
    if (!client || empty?.length !== 0) {
      log.warn(`malformed client message ${++tally.result.malformed} dropped (not a REQ envelope)`);
      return;
    }
    // A REQ client waits for an answer to anything it sent: refuse it out loud.
    if (body.length !== 1) {
      log.warn(`malformed client request ${++tally.result.malformed} refused (${body.length} body frames, not 1)`);
      this.out.toClient([client, "", MALFORMED]);
      return;
    }
    if (this.queue.length >= this.options.queueMax && this.ready.length === 0) {
      tally.result.full++;
      log.warn(`queue full (${this.queue.length} waiting, BROKER_QUEUE_MAX): refusing a request`);
      this.out.toClient([client, "", QUEUE_FULL]);
      return;
    }
    this.enqueue({ id: this.nextId++, client, body: body[0]! });
    this.dispatch();
  }

  /** A worker message from the backend ROUTER: [routing id, command, ...]. Any message is a sign of life. */
  fromWorker([routing, ...frames]: Buffer[], now: number): void {
    const { tally, log } = this;
    const key = routing!.toString("hex");
    const known = this.workers.get(key);
    if (known) known.lastSeen = now;
    const message = parseFromWorker(frames);
    if (!message.ok) {
      log.warn(`malformed worker message ${++tally.result.malformed} dropped: ${message.reason}`);
      return;
    }
    const m = message.value;
    if (m.kind === "READY") {
      if (known) this.forget(known);
      const worker = { name: m.worker, routing: routing!, lastSeen: now };
      this.workers.set(key, worker);
      this.ready.push(worker);
      log.info(`worker ${m.worker} ready (${this.workers.size} connected)`);
    } else if (m.kind === "REPLY") {
      this.activeAt = now;
      const job = known?.job;
      if (!known || job?.id !== m.request) {
        tally.result.late++;
        log.warn(`late reply to request ${m.request} from ${known?.name ?? "a purged worker"}: dropped, it was answered elsewhere or re-queued`);
        return;
      }
      known.job = undefined;
      this.ready.push(known);
      tally.answered(known.name);
      this.out.toClient([job.client, "", m.body]);
    }
    this.dispatch();
  }

  /** Purges every worker silent for more than HEARTBEAT_MISSES (3) beats (re-queueing its request); heartbeats the rest if `beat`. */
  check(now: number, beat: boolean): void {
    for (const worker of [...this.workers.values()]) {
      const silent = now - worker.lastSeen;
      if (silent <= HEARTBEAT_MISSES * this.options.heartbeatMs) {
        if (beat) this.out.toWorker([worker.routing, ...heartbeat()]);
        continue;
      }
      const job = this.forget(worker);
      this.tally.result.purged++;
      this.log.warn(`purged worker ${worker.name}: silent for ${silent} ms${job ? `, re-queued request ${job.id}` : ""} (${this.workers.size} left)`);
    }
    this.dispatch();
  }

  /** Hands waiting requests to ready workers, least recently used first. */
  private dispatch(): void {
    while (this.ready.length > 0 && this.queue.length > 0) {
      const worker = this.ready.shift()!;
      const job = this.queue.shift()!;
      worker.job = job;
      this.out.toWorker([worker.routing, ...request(job.id, job.body)]);
    }
  }

  private enqueue(job: Job, front = false): void {
    if (front) this.queue.unshift(job);
    else this.queue.push(job);
    this.tally.queued(this.queue.length);
  }

  /** Drops a worker; a request it held goes back to the head of the queue (returned, for the log). */
  private forget(worker: Worker): Job | undefined {
    this.workers.delete(worker.routing.toString("hex"));
    const at = this.ready.indexOf(worker);
    if (at >= 0) this.ready.splice(at, 1);
    const job = worker.job;
    if (job) {
      this.tally.result.requeued++;
      this.enqueue(job, true);
    }
    return job;
  }
}
