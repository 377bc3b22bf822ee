import type * as zmq from "zeromq";

export interface Arrival {
  /** The socket's position in the list given to `receiveAny`. */
  index: number;
  frames: Buffer[];
}

type Outcome = Arrival | { index: number; error: unknown };

/**
 * Messages from several sockets as one stream, each tagged with its socket's index: a role that
 * reads a SUB socket per publisher, or results and control on two ports, needs no loop per socket.
 * With `idleMs`, yields undefined whenever nothing arrived for that long, then keeps listening; as
 * a function it is asked before each wait (a caller that counts only some arrivals as activity
 * passes the time left until its own deadline).
 * Ends once every socket is closed (the role's stop closes them all).
 */
export async function* receiveAny(sockets: Array<zmq.Socket & zmq.Readable>, idleMs?: number | (() => number)): AsyncGenerator<Arrival | undefined> {
  // Each socket has one receive in flight; what arrives waits here until the caller takes it. No
  // Promise.race per message: racing a promise that stays pending (a quiet socket, the idle timer)
  // leaves a reaction on it each time, which the heap keeps until that promise settles.
  const arrived: Outcome[] = [];
  let wake: (() => void) | undefined;
  const settle = (outcome: Outcome) => {
    arrived.push(outcome);
    wake?.();
  };
  // Errors become values: a receive still pending when the caller stops reading must not reject unheard.
  const receive = (index: number) => void sockets[index]!.receive().then((frames) => settle({ index, frames }), (error: unknown) => settle({ index, error }));
  sockets.forEach((_, index) => receive(index));
  let open = sockets.length;
  // One idle timer for many messages, re-armed for the time left when it fires.
  let last = performance.now();
  const left = () => (typeof idleMs === "function" ? idleMs() : idleMs! - (performance.now() - last));
  let timer: NodeJS.Timeout | undefined;
  let idle = false;
  const tick = () => {
    const ms = left();
    if (ms > 0) {
      timer = setTimeout(tick, ms);
      return;
    }
    [timer, idle] = [undefined, true];
    wake?.();
  };
  try {
    while (open > 0) {
      if (idleMs !== undefined && timer === undefined && !idle) timer = setTimeout(tick, Math.max(0, left()));
      if (arrived.length === 0 && !idle) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      last = performance.now();
      const outcome = arrived.shift();
      // A message that came with the timer's end is activity: the idle wait starts again.
      idle = false;
      if (outcome === undefined) {
        yield undefined;
      } else if ("error" in outcome) {
        open--;
        if (!sockets[outcome.index]!.closed) throw outcome.error;
      } else {
        receive(outcome.index);
        yield outcome;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
