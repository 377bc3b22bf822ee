import type * as zmq from "zeromq";

export interface Arrival {
  /** The socket's position in the list given to `receiveAny`. */
  index: number;
  frames: Buffer[];
}

type Outcome = Arrival | { index: number; error: unknown } | "grown" | undefined;

/** A list that can grow while `receiveAny` reads it: a subscriber's socket per publisher replica that appears. */
export class GrowingList<T> {
  readonly items: T[] = [];
  private waiting: Array<() => void> = [];

  push(item: T): void {
    this.items.push(item);
    this.waiting.splice(0).forEach((wake) => wake());
  }

  /** Resolves at the next push. */
  grown(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/**
 * Messages from several sockets as one stream, each tagged with its socket's index: a role that
 * reads a SUB socket per publisher, or results and control on two ports, needs no loop per socket.
 * With `idleMs`, yields undefined whenever nothing arrived for that long, then keeps listening; as
 * a function it is asked before each wait (a caller that counts only some arrivals as activity
 * passes the time left until its own deadline).
 * Sockets pushed to a GrowingList are read from their push on.
 * Ends once every socket is closed (the role's stop closes them all).
 */
export async function* receiveAny(
  list: Array<zmq.Socket & zmq.Readable> | GrowingList<zmq.Socket & zmq.Readable>,
  idleMs?: number | (() => number),
): AsyncGenerator<Arrival | undefined> {
  const sockets = Array.isArray(list) ? list : list.items;
  // Errors become values: a receive still pending when the caller stops reading must not reject unheard.
  const next = (index: number): Promise<Outcome> =>
    sockets[index]!.receive().then(
      (frames) => ({ index, frames }),
      (error: unknown) => ({ index, error }),
    );
  const pending = new Map(sockets.map((_, index) => [index, next(index)]));
  let read = sockets.length;
  let growth: Promise<"grown"> | undefined;
  // One idle timer for many messages: re-armed for the time left when it fires, never made per
  // message (a timer and its promise per message were a tenth of the collector's CPU).
  let last = performance.now();
  const left = () => (typeof idleMs === "function" ? idleMs() : idleMs! - (performance.now() - last));
  let timer: NodeJS.Timeout | undefined;
  let idle: Promise<undefined> | undefined;
  const arm = () =>
    new Promise<undefined>((resolve) => {
      const tick = () => {
        const ms = left();
        if (ms > 0) timer = setTimeout(tick, ms);
        else resolve(undefined);
      };
      timer = setTimeout(tick, Math.max(0, left()));
    });
  try {
    while (pending.size > 0) {
      if (idleMs !== undefined) idle ??= arm();
      if (!Array.isArray(list)) growth ??= list.grown().then(() => "grown" as const);
      const outcome = await Promise.race(idle || growth ? [...pending.values(), ...(idle ? [idle] : []), ...(growth ? [growth] : [])] : pending.values());
      if (outcome === "grown") {
        growth = undefined;
        for (; read < sockets.length; read++) pending.set(read, next(read));
        continue;
      }
      last = performance.now();
      if (outcome === undefined) {
        idle = undefined;
        yield undefined;
      } else if ("error" in outcome) {
        pending.delete(outcome.index);
        if (!sockets[outcome.index]!.closed) throw outcome.error;
      } else {
        pending.set(outcome.index, next(outcome.index));
        yield outcome;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
