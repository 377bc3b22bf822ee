// The producer's re-dispatch (after zguide chapter 4's retry-on-silence idea): which tasks the
// collector has not confirmed yet, and sending them again when the pipeline goes quiet.
import { setTimeout as delay } from "node:timers/promises";
import type * as zmq from "zeromq";
import { plural, type Log } from "../runtime/index.js";
import { encodeRedispatch, encodeTask } from "./messages.js";
import { ranges } from "./tally.js";

export interface SentTask {
  num: number;
  task: number;
}

/**
 * Tasks sent and not yet confirmed by the collector. Re-dispatch is decided on silence, not on a
 * task's age: PUSH hands each consumer its share up front, so a task may wait long in a healthy
 * queue. While confirmations keep coming, the consumers are working through those queues; once
 * nothing was sent or confirmed for `quietMs`, what is still open was lost with a consumer.
 */
export class Ledger {
  private readonly open = new Map<number, number>();
  /** Ids sent more than once. */
  readonly redispatched = new Set<number>();
  rounds = 0;
  private last = -Infinity;

  constructor(readonly quietMs: number) {}

  /** A task went out (first time or again); that restarts the quiet period. */
  sent({ task, num }: SentTask, now: number): void {
    this.open.set(task, num);
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

/**
 * Until `signal` aborts: whenever the ledger's quiet period is over with tasks still open, tells
 * the collector which ids come again, then pushes them through `tasks`, which only hands them to
 * consumers that are still connected. The notice goes first, so it normally arrives before the
 * re-sent results, which first have to pass through a consumer.
 */
export async function keepRedispatching(
  ledger: Ledger,
  sockets: { tasks: zmq.Push; collector: zmq.Push },
  log: Log,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    const due = ledger.due(performance.now());
    if (due.length === 0) {
      const wait = ledger.wait(performance.now()) || ledger.quietMs;
      await delay(wait, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const ids = due.map(({ task }) => task);
    log.warn(`no result for ${ledger.quietMs} ms (REDISPATCH_MS) with ${plural(due.length, "task")} open; re-dispatching tasks ${ranges(ids)}`);
    for (let i = 0; i < ids.length; i += NOTICE_IDS) await sockets.collector.send(encodeRedispatch(ids.slice(i, i + NOTICE_IDS)));
    for (const task of due) {
      await sockets.tasks.send(encodeTask(task));
      ledger.sent(task, performance.now());
    }
  }
}
