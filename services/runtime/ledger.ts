// Re-dispatch on silence (after zguide chapter 4's retry idea): which tasks a sender has not had
// confirmed yet, and sending them again once nothing moved for a quiet period. The pipeline's
// producer uses it; nothing in it knows the pipeline's wire format.
import { setTimeout as delay } from "node:timers/promises";
import { IdMap } from "./id-map.js";
import { plural, type Log } from "./log.js";
import { ranges } from "./ranges.js";

export interface SentTask {
  num: number;
  /** An integer from 0, as a batch numbers its tasks. */
  task: number;
}

/**
 * Tasks sent and not yet confirmed by the collector. Re-dispatch is decided on silence, not on a
 * task's age: PUSH hands each consumer its share up front, so a task may wait long in a healthy
 * queue. While confirmations keep coming, the consumers are working through those queues; once
 * nothing was sent or confirmed for `quietMs`, what is still open was lost with a consumer.
 */
export class Ledger {
  /** Task id → num, for the open tasks. */
  private readonly open = new IdMap();
  /** Every task sent, confirmed or not: a new collector has to get them all again. */
  private readonly all = new IdMap();
  /** Ids sent more than once. */
  readonly redispatched = new Set<number>();
  rounds = 0;
  private last = -Infinity;

  constructor(
    readonly quietMs: number,
    /** The variable that set `quietMs`, named in the re-dispatch warning. */
    readonly variable = "quiet period",
  ) {}

  /** A task went out (first time or again); that restarts the quiet period. */
  sent({ task, num }: SentTask, now: number): void {
    this.open.set(task, num);
    this.all.set(task, num);
    this.last = now;
  }

  /** A new collector connected: it confirmed nothing yet, so every task sent is open again. */
  reopen(now: number): void {
    for (const [task, num] of this.all) this.open.set(task, num);
    this.last = now;
  }

  /** The collector confirmed `task`. True when it was open; a repeat confirmation changes nothing. */
  done(task: number, now: number): boolean {
    if (!this.open.delete(task)) return false;
    this.last = now;
    return true;
  }

  get outstanding(): number {
    return this.open.size;
  }

  /** Tasks the collector confirmed. */
  get confirmed(): number {
    return this.all.size - this.open.size;
  }

  /** Milliseconds until the quiet period is over (0: it is). */
  wait(now: number): number {
    return Math.max(0, this.last + this.quietMs - now);
  }

  /** Every open task, once the quiet period is over; empty before that or when nothing is open. */
  due(now: number): SentTask[] {
    if (this.open.size === 0 || this.wait(now) > 0) return [];
    this.rounds++;
    const tasks = [...this.open].map(([task, num]) => ({ num, task }));
    tasks.forEach(({ task }) => this.redispatched.add(task));
    return tasks;
  }
}

/** Ids per notice: well under the roles' 64 KiB frame limit even for seven-digit ids. */
const NOTICE_IDS = 1000;

export interface RedispatchTo {
  /** Sends one task again (encoded by the caller). */
  send(task: SentTask): Promise<void>;
  /** Tells the collector which ids come again. */
  notify(ids: number[]): void;
  /** False while no collector is there to confirm anything: re-sending then would only repeat work. */
  collectorAttached(): boolean;
}

/**
 * Until `signal` aborts: whenever the ledger's quiet period is over with tasks still open, tells
 * the collector which ids come again, then sends them with `to.send` (a PUSH hands them only to
 * consumers that are still connected). The notice goes first, so it normally arrives before the
 * re-sent results, which first have to pass through a consumer.
 */
export async function keepRedispatching(ledger: Ledger, to: RedispatchTo, log: Log, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const due = to.collectorAttached() ? ledger.due(performance.now()) : [];
    if (due.length === 0) {
      const wait = ledger.wait(performance.now()) || ledger.quietMs;
      await delay(wait, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const ids = due.map(({ task }) => task);
    log.warn(`no result for ${ledger.quietMs} ms (${ledger.variable}) with ${plural(due.length, "task")} open; re-dispatching tasks ${ranges(ids)}`);
    for (let i = 0; i < ids.length; i += NOTICE_IDS) to.notify(ids.slice(i, i + NOTICE_IDS));
    for (const task of due) {
      await to.send(task);
      ledger.sent(task, performance.now());
    }
  }
}
