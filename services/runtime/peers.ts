import { readFileSync } from "node:fs";
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

/** TCP states of a connection on its way out, as /proc/net/tcp numbers them; ours-first: this side closed it. */
const CLOSED_HERE = new Set([0x04, 0x05, 0x06, 0x0b]); // FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSING
const CLOSED_THERE = new Set([0x07, 0x08, 0x09]); // CLOSE, CLOSE_WAIT, LAST_ACK

interface TcpEntry {
  /** `ip:port` of this side. */
  local: string;
  /** `ip:port` of the other side. */
  remote: string;
  state: number;
}

/** `0100007F` → 127.0.0.1; a 32-digit tcp6 address → its groups, or the IPv4 inside a mapped one. */
function ipOf(hex: string): string {
  // The kernel prints each 32-bit word in host order (little-endian on every platform Docker runs).
  const bytes = Buffer.from(hex, "hex");
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  const v4 = bytes.length === 4 ? bytes : bytes.subarray(0, 12).equals(Buffer.from("00000000000000000000ffff", "hex")) ? bytes.subarray(12) : undefined;
  if (v4) return [...v4].join(".");
  return Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(2 * i).toString(16)).join(":");
}

/** Parses /proc/net/tcp or tcp6 text into its connections. */
export function parseTcpTable(text: string): TcpEntry[] {
  return text
    .split("\n")
    .slice(1)
    .flatMap((line) => {
      const [, local, remote, state] = line.trim().split(/\s+/);
      if (!local || !remote || !state) return [];
      const address = (field: string) => `${ipOf(field.split(":")[0]!)}:${parseInt(field.split(":")[1]!, 16)}`;
      return [{ local: address(local), remote: address(remote), state: parseInt(state, 16) }];
    });
}

const readTcpTable = (): TcpEntry[] =>
  ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) => {
    try {
      return parseTcpTable(readFileSync(file, "utf8"));
    } catch {
      return []; // Not Linux: no table, so no address.
    }
  });

/**
 * Who was on the other end of a bound socket's failed handshakes. libzmq's monitor names the
 * socket's own address for every peer of a bound socket, but the kernel still lists the
 * connection libzmq has just closed (on its way out, or in TIME_WAIT for a minute) with the
 * peer's address. Each claim takes one such connection on the port that no earlier claim took,
 * preferring those this side closed, as libzmq closes a failed handshake. `read` gives the table.
 */
export class ClosedPeers {
  private readonly taken = new Set<string>();

  constructor(
    private readonly port: number,
    private readonly read: () => TcpEntry[] = readTcpTable,
  ) {
    // What closed before we looked is no one's failure.
    this.closing().forEach((entry) => this.taken.add(entry.remote));
  }

  /** The peer's IP of one connection to the port that closed since the last claim, or undefined. */
  claim(): string | undefined {
    const closing = this.closing();
    const present = new Set(closing.map((entry) => entry.remote));
    // Forget what the kernel dropped, so the set stays small and a reused peer port counts again.
    for (const remote of this.taken) if (!present.has(remote)) this.taken.delete(remote);
    const fresh = closing.filter((entry) => !this.taken.has(entry.remote));
    const pick = fresh.find((entry) => CLOSED_HERE.has(entry.state)) ?? fresh[0];
    if (!pick) return undefined;
    this.taken.add(pick.remote);
    return pick.remote.replace(/:\d+$/, "");
  }

  private closing(): TcpEntry[] {
    return this.read().filter((entry) => entry.local.endsWith(`:${this.port}`) && (CLOSED_HERE.has(entry.state) || CLOSED_THERE.has(entry.state)));
  }
}
