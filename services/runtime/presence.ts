// Whether a peer is there at all, seen from a connecting socket: the pipeline's producer and
// consumers watch the collector this way, and give up when it stays away.
import type * as zmq from "zeromq";
import { Exit } from "./lifecycle.js";
import type { Log } from "./log.js";

export interface Presence {
  /** True while a peer is attached to the socket. */
  readonly attached: boolean;
  /** Aborted once no peer was attached for `lostMs` in a row, since work began (`expect`) or since the last one left. */
  readonly lost: AbortSignal;
  /**
   * Work began (the batch start, a consumer's first task): from now on a missing peer counts.
   * Before that nothing waits on it, however long the lab takes to start its containers.
   */
  expect(): void;
  /**
   * For the end of a role's work: when it ended because the peer was lost (not on a stop or a
   * signal, given as `other`), logs why with what is `left` and returns exit code 3.
   */
  giveUp(log: Log, left: () => string, ...other: AbortSignal[]): number | undefined;
}

export interface PresenceOptions {
  /** The peer's role, for the give-up line ("collector"). */
  peer: string;
  endpoint: string;
  lostMs: number;
  /** The variable that set `lostMs`, named in the give-up line. */
  variable: string;
  /** Closed once the peer is lost, so a send or receive that waits on them ends. */
  close: zmq.Socket[];
}

/** Follows the peer's comings and goings on `socket`, connected to it at `endpoint`, through the socket's monitor events. */
export function watchPresence(socket: zmq.Socket, { peer, endpoint, lostMs, variable, close }: PresenceOptions): Presence {
  const controller = new AbortController();
  let peers = 0;
  let timer: NodeJS.Timeout | undefined;
  // Unref'd: a batch that ends normally must not wait for this timer.
  const arm = () => (timer = setTimeout(() => controller.abort(), lostMs).unref());
  socket.events.on("handshake", () => {
    peers++;
    clearTimeout(timer);
  });
  socket.events.on("disconnect", () => {
    if (peers > 0 && --peers === 0) arm();
  });
  controller.signal.addEventListener("abort", () => close.forEach((s) => s.closed || s.close()));
  return {
    get attached() {
      return peers > 0;
    },
    lost: controller.signal,
    expect() {
      if (peers === 0 && timer === undefined) arm();
    },
    giveUp(log, left, ...other) {
      if (!controller.signal.aborted || other.some((signal) => signal.aborted)) return undefined;
      log.error(`no ${peer} on ${endpoint} for ${lostMs} ms (${variable}); giving up with ${left()}`);
      return Exit.noPeer;
    },
  };
}
