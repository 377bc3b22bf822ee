import type * as zmq from "zeromq";
import type { Log } from "./log.js";

export interface Peers {
  /** Peers attached right now: finished ZMTP handshakes minus disconnects. */
  readonly count: number;
  /**
   * Resolves once every endpoint in `endpoints` has completed its handshake, or when `timeoutMs`
   * passes or `signal` aborts first. Returns the endpoints still not connected (empty: all are).
   */
  waitFor(endpoints: string[], timeoutMs: number, signal: AbortSignal): Promise<string[]>;
}

/**
 * Follows a socket's peers through its monitor events: a peer counts once its ZMTP handshake is
 * done (a bare TCP accept is not enough). Call before `bind` or `connect`, so no early peer is
 * missed. With a log, each connect and loss gets a line. ZeroMQ reconnects on its own; this watches.
 */
export function watchPeers(socket: zmq.Socket, log?: Log): Peers {
  // Per address, because every peer of a bound socket reports the socket's own endpoint.
  const attached = new Map<string, number>();
  const listeners = new Set<() => void>();
  const count = () => [...attached.values()].reduce((sum, n) => sum + n, 0);
  socket.events.on("handshake", ({ address }) => {
    attached.set(address, (attached.get(address) ?? 0) + 1);
    log?.info(`connected to ${address} (${count()} connected)`);
    listeners.forEach((listener) => listener());
  });
  socket.events.on("disconnect", ({ address }) => {
    const n = attached.get(address) ?? 0;
    if (n === 0) return;
    n === 1 ? attached.delete(address) : attached.set(address, n - 1);
    log?.warn(`lost ${address} (${count()} connected); ZeroMQ reconnects when it is back`);
  });

  return {
    get count() {
      return count();
    },
    waitFor(endpoints, timeoutMs, signal) {
      const missing = () => endpoints.filter((endpoint) => !attached.has(endpoint));
      return new Promise((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
          signal.removeEventListener("abort", finish);
          resolve(missing());
        };
        const check = () => missing().length === 0 && finish();
        const timer = setTimeout(finish, timeoutMs);
        listeners.add(check);
        signal.addEventListener("abort", finish);
        check();
      });
    },
  };
}
