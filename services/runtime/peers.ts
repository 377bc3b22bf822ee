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

export interface TcpEntry {
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

/** The kernel's TCP connections of this network namespace (a container: its own), IPv4 and IPv6. */
export const readTcpTable = (): TcpEntry[] =>
  ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) => {
    try {
      return parseTcpTable(readFileSync(file, "utf8"));
    } catch {
      return []; // Not Linux: no table, so no address.
    }
  });

export const ESTABLISHED = 0x01;

/**
 * Who was on the other end of a bound socket's failed handshakes. libzmq's monitor names the
 * socket's own address for every peer of a bound socket; the kernel's connection table
 * (`read`) has the peer's. A failed handshake's connection is either still listed, on its way
 * out (or in TIME_WAIT for a minute), or, if the close was a reset, gone: then the address seen
 * when it was accepted tells. Every claim takes a connection no earlier claim took and none whose
 * handshake succeeded, so a healthy peer is never named for someone else's failure.
 */
export class PeerAddresses {
  /** Closing connections already accounted for. */
  private readonly taken = new Set<string>();
  /** Accepted connections whose handshake has not ended yet, in the order they came. */
  private readonly accepting: string[] = [];
  /** Connections whose handshake succeeded. */
  private readonly healthy = new Set<string>();

  constructor(
    private readonly port: number,
    private readonly read: () => TcpEntry[] = readTcpTable,
  ) {
    // What was there before we looked is no one's failure.
    this.onPort().forEach((entry) => this.taken.add(entry.remote));
  }

  /** libzmq accepted a connection: note the peers newly connected, while they still are. */
  accepted(): void {
    const table = this.look();
    for (const entry of table) {
      const known = this.healthy.has(entry.remote) || this.taken.has(entry.remote) || this.accepting.includes(entry.remote);
      if (entry.state === ESTABLISHED && !known) this.accepting.push(entry.remote);
    }
  }

  /** A handshake succeeded: the earliest accepted connection still up is a healthy peer. */
  succeeded(): void {
    const up = new Set(this.look().filter((entry) => entry.state === ESTABLISHED).map((entry) => entry.remote));
    const index = this.accepting.findIndex((remote) => up.has(remote));
    if (index >= 0) this.healthy.add(this.accepting.splice(index, 1)[0]!);
  }

  /** A failure from `ip` was named by other means (ZAP): its accepted connection is accounted for. */
  resolved(ip: string): void {
    const index = this.accepting.findIndex((remote) => remote.replace(/:\d+$/, "") === ip);
    if (index >= 0) this.taken.add(this.accepting.splice(index, 1)[0]!);
  }

  /** The peer's IP of one connection that has failed since the last claim, or undefined. */
  claim(): string | undefined {
    const table = this.look();
    const closing = table.filter((entry) => entry.state !== ESTABLISHED && !this.taken.has(entry.remote) && !this.healthy.has(entry.remote));
    const up = new Set(table.filter((entry) => entry.state === ESTABLISHED).map((entry) => entry.remote));
    // Ours first (libzmq closes a failed handshake); else an accepted one that is no longer up.
    const remote = (closing.find((entry) => CLOSED_HERE.has(entry.state)) ?? closing[0])?.remote ?? this.accepting.find((r) => !up.has(r));
    if (remote === undefined) return undefined;
    this.taken.add(remote);
    const index = this.accepting.indexOf(remote);
    if (index >= 0) this.accepting.splice(index, 1);
    return remote.replace(/:\d+$/, "");
  }

  /** The table's entries on the port; forgets what the kernel dropped, so the sets stay small. */
  private look(): TcpEntry[] {
    const table = this.onPort();
    const listed = new Set(table.map((entry) => entry.remote));
    for (const set of [this.taken, this.healthy]) for (const remote of set) if (!listed.has(remote)) set.delete(remote);
    return table;
  }

  private onPort(): TcpEntry[] {
    return this.read().filter((entry) => entry.local.endsWith(`:${this.port}`) && (entry.state === ESTABLISHED || CLOSED_HERE.has(entry.state) || CLOSED_THERE.has(entry.state)));
  }
}
