// What the broker and its workers count, the tables they log, and their one RESULT each (at
// stop: people read the tables, tests and the bench read the JSON; fields in docs/patterns/broker.md).
import { plural, table, type Log } from "../runtime/index.js";

export interface BrokerResult {
  answered: number;
  /** Replies delivered to clients, per worker id. */
  workers: Record<string, number>;
  queuedMax: number;
  requeued: number;
  purged: number;
  /** Replies that came after their request was re-queued (or from a purged worker): dropped. */
  late: number;
  /** Client requests answered with QUEUE_FULL. */
  full: number;
  /** Messages that broke the wire format, on either side. */
  malformed: number;
}

export class BrokerTally {
  readonly result: BrokerResult = { answered: 0, workers: {}, queuedMax: 0, requeued: 0, purged: 0, late: 0, full: 0, malformed: 0 };

  answered(worker: string): void {
    this.result.answered++;
    this.result.workers[worker] = (this.result.workers[worker] ?? 0) + 1;
  }

  queued(length: number): void {
    this.result.queuedMax = Math.max(this.result.queuedMax, length);
  }

  /** The table; with `final` (the broker is stopping) also the RESULT, which only a stop writes, once. */
  report(log: Log, why: string, final = false): void {
    const r = this.result;
    log.notice(
      `${why}: answered ${plural(r.answered, "request")}, queued max ${r.queuedMax}, re-queued ${r.requeued}, ` +
        `purged ${plural(r.purged, "worker")}, ${r.late} late replies dropped, ${r.full} refused (queue full), ${r.malformed} malformed`,
    );
    const rows = Object.entries(r.workers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (rows.length > 0) table(["worker", "answered"], rows).forEach((line) => log.notice(line));
    if (final) log.result({ ...r });
  }
}

export interface WorkerResult {
  worker: string;
  served: number;
  busyMs: number;
  reconnects: number;
}

export function reportWorker(log: Log, why: string, r: WorkerResult): void {
  log.notice(`${why}: served ${plural(r.served, "request")}, busy ${r.busyMs} ms, ${plural(r.reconnects, "reconnect")}`);
  log.result({ ...r });
}
