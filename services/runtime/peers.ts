import type * as zmq from "zeromq";
import type { Log } from "./log.js";

export interface Peers {
  /** Addresses with a finished ZMTP handshake and no disconnect since. */
  readonly connected: ReadonlySet<string>;
  /**
   * Resolves once every endpoint in `endpoints` has completed its handshake, or when `timeoutMs`
   * passes or `signal` aborts first. Returns the endpoints still not connected (empty: all are).
   */
  waitFor(endpoints: string[], timeoutMs: number, signal: AbortSignal): Promise<string[]>;
}

/**
 * Follows a connecting socket's peers through its monitor events and logs each connect and
 * disconnect. Call before `connect`. ZeroMQ keeps reconnecting on its own; this only watches.
 */
export function watchPeers(socket: zmq.Socket, log: Log): Peers {
  const connected = new Set<string>();
  const listeners = new Set<() => void>();
  socket.events.on("handshake", ({ address }) => {
    connected.add(address);
    log.info(`connected to ${address} (${connected.size} connected)`);
    listeners.forEach((listener) => listener());
  });
  socket.events.on("disconnect", ({ address }) => {
    if (!connected.delete(address)) return;
    log.warn(`lost ${address} (${connected.size} connected); ZeroMQ reconnects when it is back`);
  });

  return {
    connected,
    waitFor(endpoints, timeoutMs, signal) {
      const missing = () => endpoints.filter((endpoint) => !connected.has(endpoint));
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
