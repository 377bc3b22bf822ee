// The dashboard's picture of the lab, built from telemetry records alone (no Docker socket): one
// node per replica, its state, sockets and figures, and an event log. Socket-free, so it is tested
// without a network. Anything malformed is counted by reason and changes nothing.
import { ID_FORM } from "../runtime/config.js";
import { accept, reject, type Parsed } from "../runtime/parsed.js";
import { SOCKET_EVENTS, TELEMETRY_VERSION, type EventRecord, type NetRecord, type RoleState, type SocketRecord, type TelemetryRecord } from "../runtime/telemetry.js";
import { edgesOf, type Edge } from "./edges.js";
import { panelsOf } from "./panels.js";

/** What the page shows: `gone` is a replica that stopped sending before it exited (killed, paused, cut off). */
export type NodeState = "starting" | "ready" | "done" | "failed" | "gone";

export interface Node {
  role: string;
  replica: string;
  /** The compose service: the replica name without its number (consumer-2 → consumer). */
  service: string;
  pattern: string;
  state: NodeState;
  lastSeen: number;
  intervalMs: number;
  seq: number;
  /** Records that never arrived, from gaps in `seq`. */
  lost: number;
  dropped: number;
  exitCode?: number;
  sockets: SocketRecord[];
  figures?: Record<string, unknown>;
  result?: Record<string, unknown>;
  /** Messages per second, in and out, over the last record's interval. */
  rate: Rate;
  /** The same per socket id. */
  socketRates: Record<number, Rate>;
  /** Its addresses and TCP connections, for the edges. */
  net?: NetRecord;
}

export interface Rate {
  in: number;
  out: number;
}

export interface LogEntry {
  at: number;
  replica: string;
  kind: string;
  detail: string;
}

export interface Stats {
  records: number;
  rejected: Record<string, number>;
  unknownFields: number;
  /** Records in the last full second. */
  perSecond: number;
}

/** A replica is gone after this many of its intervals without a record. */
const GONE_AFTER = 3;
/** Bounds for memory whatever arrives: nodes, log entries, sockets and events per record. */
const MAX_NODES = 500;
const MAX_LOG = 300;
const MAX_SOCKETS = 32;
const MAX_EVENTS = 50;
const MAX_CONNECTIONS = 256;
const EDGES_EVERY_MS = 250;
/** Per replica, the connecting sockets' lost peers remembered to tell a reconnect. */
const MAX_LOST = 64;

const STATES: readonly RoleState[] = ["starting", "ready", "exited"];
const KNOWN_FIELDS = new Set(["v", "role", "replica", "pattern", "seq", "at", "intervalMs", "state", "exitCode", "sockets", "events", "dropped", "figures", "result", "net"]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isFlow = (value: unknown) => isObject(value) && isCount(value.msgs) && isCount(value.bytes);
const isShortText = (value: unknown): value is string => typeof value === "string" && value.length <= 256;

function isSocket(value: unknown): value is SocketRecord {
  return (
    isObject(value) &&
    isCount(value.id) &&
    isShortText(value.type) &&
    Array.isArray(value.endpoints) &&
    value.endpoints.length <= 16 &&
    value.endpoints.every(isShortText) &&
    isFlow(value.in) &&
    isFlow(value.out) &&
    isObject(value.events) &&
    Object.entries(value.events).every(([name, n]) => (SOCKET_EVENTS as readonly string[]).includes(name) && isCount(n)) &&
    (value.closed === undefined || value.closed === true)
  );
}

const isAddress = (value: unknown): value is string => typeof value === "string" && /^[0-9a-f.:]{2,45}$/i.test(value);
const isNet = (value: unknown): value is NetRecord =>
  isObject(value) &&
  Array.isArray(value.addresses) &&
  value.addresses.length <= 16 &&
  value.addresses.every(isAddress) &&
  Array.isArray(value.connections) &&
  value.connections.length <= MAX_CONNECTIONS &&
  value.connections.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(isAddress));

const isEvent = (value: unknown): value is EventRecord =>
  isObject(value) && isCount(value.at) && isCount(value.socket) && (SOCKET_EVENTS as readonly string[]).includes(value.event as string) && isShortText(value.address);

/** One telemetry frame, checked field by field; unknown fields are allowed (and counted by the view). */
export function parseRecord(frames: readonly Buffer[]): Parsed<TelemetryRecord> {
  if (frames.length !== 1) return reject("frames");
  let value: unknown;
  try {
    value = JSON.parse(frames[0]!.toString("utf8"));
  } catch {
    return reject("json");
  }
  if (!isObject(value)) return reject("json");
  if (value.v !== TELEMETRY_VERSION) return reject("version");
  const r = value;
  if (typeof r.role !== "string" || !ID_FORM.test(r.role) || typeof r.replica !== "string" || !ID_FORM.test(r.replica)) return reject("name");
  if (typeof r.pattern !== "string" || !ID_FORM.test(r.pattern)) return reject("name");
  if (!isCount(r.seq) || !isCount(r.at) || !isCount(r.intervalMs) || r.intervalMs < 50 || !isCount(r.dropped)) return reject("numbers");
  if (!STATES.includes(r.state as RoleState) || (r.exitCode !== undefined && !isCount(r.exitCode))) return reject("state");
  if (!Array.isArray(r.sockets) || r.sockets.length > MAX_SOCKETS || !r.sockets.every(isSocket)) return reject("sockets");
  if (!Array.isArray(r.events) || r.events.length > MAX_EVENTS || !r.events.every(isEvent)) return reject("events");
  if ((r.figures !== undefined && !isObject(r.figures)) || (r.result !== undefined && !isObject(r.result))) return reject("figures");
  if (r.net !== undefined && !isNet(r.net)) return reject("net");
  return accept(r as unknown as TelemetryRecord);
}

/** `consumer-2` → `consumer`; a name without a number is its own service. */
export const serviceOf = (replica: string) => replica.replace(/-\d+$/, "");

const EVENT_WORDS: Partial<Record<EventRecord["event"], string>> = {
  disconnect: "disconnected",
  "handshake:error:protocol": "handshake failure (protocol)",
  "handshake:error:other": "handshake failure",
};

const isConnecting = (socket: SocketRecord | undefined) => socket?.endpoints.some((e) => e.startsWith("connect")) ?? false;
const redispatchedOf = (node: Node | undefined) => (typeof node?.figures?.redispatched === "number" ? node.figures.redispatched : 0);

/** Every node from the records of every replica, and what happened to them. */
export class View {
  private readonly nodes = new Map<string, Node>();
  private readonly log: LogEntry[] = [];
  private readonly stats: Stats = { records: 0, rejected: {}, unknownFields: 0, perSecond: 0 };
  private second = { start: 0, count: 0 };
  /** Per replica, `socket address` of the connecting sockets' peers lost since: the next handshake there is a reconnect. */
  private readonly lostPeers = new Map<string, Set<string>>();
  private edgesCache: { at: number; edges: Edge[] } | undefined;

  /** Takes one telemetry message; true when it was a valid record. */
  ingest(frames: readonly Buffer[], now = Date.now()): boolean {
    this.countSecond(now, 1);
    const parsed = parseRecord(frames);
    if (!parsed.ok) return this.refuse(parsed.reason);
    const record = parsed.value;
    if (Object.keys(record).some((key) => !KNOWN_FIELDS.has(key))) this.stats.unknownFields++;
    let node = this.nodes.get(record.replica);
    if (!node) {
      if (this.nodes.size >= MAX_NODES) return this.refuse("too many replicas");
      node = { role: record.role, replica: record.replica, service: serviceOf(record.replica), pattern: record.pattern, state: "starting", lastSeen: now, intervalMs: record.intervalMs, seq: 0, lost: 0, dropped: 0, sockets: [], rate: { in: 0, out: 0 }, socketRates: {} };
      this.nodes.set(record.replica, node);
      this.note(now, record.replica, "seen", `${record.role} (${record.pattern})`);
    }
    this.stats.records++;
    // Records before the first one seen went out before the SUB was there (a slow joiner), not
    // lost; a restarted role starts again at seq 1. Only a jump forward after that is a loss.
    if (node.seq > 0 && record.seq > node.seq + 1) node.lost += record.seq - node.seq - 1;
    const elapsed = (now - node.lastSeen) / 1000;
    const total = (sockets: SocketRecord[], side: "in" | "out") => sockets.reduce((sum, s) => sum + s[side].msgs, 0);
    // Over a quarter second at least: a record soon after an event would make a burst look like a rate.
    if (elapsed >= 0.25 && record.seq > node.seq) {
      const per = (now: SocketRecord[], before: SocketRecord[]): Rate => ({
        in: Math.max(0, (total(now, "in") - total(before, "in")) / elapsed),
        out: Math.max(0, (total(now, "out") - total(before, "out")) / elapsed),
      });
      node.rate = per(record.sockets, node.sockets);
      const previous = node.sockets;
      node.socketRates = Object.fromEntries(record.sockets.map((s) => [s.id, per([s], previous.filter((p) => p.id === s.id))]));
    }
    const redispatched = redispatchedOf(node);
    const before = node.state;
    Object.assign(node, { role: record.role, pattern: record.pattern, lastSeen: now, intervalMs: record.intervalMs, seq: record.seq, dropped: record.dropped, sockets: record.sockets, figures: record.figures, result: record.result, exitCode: record.exitCode, net: record.net });
    node.state = record.state === "exited" ? (record.exitCode === 0 ? "done" : "failed") : record.state;
    if (record.state === "exited") [node.rate, node.socketRates] = [{ in: 0, out: 0 }, {}];
    if (node.state !== before) this.note(now, node.replica, node.state === "ready" && before === "gone" ? "back" : node.state, node.exitCode !== undefined ? `exit ${node.exitCode}` : "");
    for (const event of record.events) this.noteEvent(node, record.sockets, event);
    // The producer's count of tasks it sent again (the collector's figure of the same name only echoes it).
    if (node.role === "producer" && redispatchedOf(node) > redispatched) {
      const more = redispatchedOf(node) - redispatched;
      this.note(now, node.replica, "re-dispatch", `${more} more task${more === 1 ? "" : "s"} re-sent to other consumers, ${redispatchedOf(node)} in all`);
    }
    return true;
  }

  private noteEvent(node: Node, sockets: SocketRecord[], event: EventRecord): void {
    if (event.event === "bind") return;
    const socket = sockets.find((s) => s.id === event.socket);
    const detail = `${socket?.type ?? "socket"} ${event.address}`;
    // A bound socket's events all name its own address: only a connecting socket tells a peer back.
    const lost = this.lostPeers.get(node.replica) ?? new Set<string>();
    const key = `${event.socket} ${event.address}`;
    if (event.event === "disconnect" && isConnecting(socket) && lost.size < MAX_LOST) this.lostPeers.set(node.replica, lost.add(key));
    if (event.event === "handshake" && lost.delete(key)) return this.note(event.at, node.replica, "reconnect", `${detail}: connected again`);
    // libzmq reports a key the ZAP handler refused (status 400) as an auth failure, on both sides.
    if (event.event === "handshake:error:auth") {
      const side = isConnecting(socket) ? "the server's ZAP handler refused this role's key" : "its ZAP handler refused a peer's key";
      return this.note(event.at, node.replica, "ZAP rejection", `${detail}: ${side}`);
    }
    this.note(event.at, node.replica, EVENT_WORDS[event.event] ?? event.event, detail);
  }

  /** Marks the replicas that went quiet without exiting as gone. */
  tick(now = Date.now()): void {
    for (const node of this.nodes.values()) {
      const quiet = now - node.lastSeen > GONE_AFTER * node.intervalMs;
      if (quiet && (node.state === "starting" || node.state === "ready")) {
        node.state = "gone";
        node.rate = { in: 0, out: 0 };
        // Its edges go in the same snapshot that shows it gone, not up to EDGES_EVERY_MS later.
        this.edgesCache = undefined;
        this.note(now, node.replica, "gone", `no telemetry for ${now - node.lastSeen} ms`);
      }
    }
  }

  snapshot(now = Date.now()) {
    this.countSecond(now, 0);
    return {
      at: now,
      // Without their connections: the edges say what the page needs of them.
      nodes: [...this.nodes.values()].sort((a, b) => a.replica.localeCompare(b.replica, undefined, { numeric: true })).map(({ net: _, ...node }) => node),
      edges: this.edges(now),
      panels: panelsOf([...this.nodes.values()]),
      log: this.log.slice(-100),
      stats: this.stats,
    };
  }

  /** The edges, derived again at most every EDGES_EVERY_MS: the page's tick is faster than any record. */
  private edges(now: number): Edge[] {
    if (!this.edgesCache || now - this.edgesCache.at >= EDGES_EVERY_MS || now < this.edgesCache.at) this.edgesCache = { at: now, edges: edgesOf([...this.nodes.values()]) };
    return this.edgesCache.edges;
  }

  get all(): Node[] {
    return [...this.nodes.values()];
  }

  get counts(): Stats {
    return this.stats;
  }

  private refuse(reason: string): false {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    return false;
  }

  private countSecond(now: number, add: number): void {
    if (now - this.second.start >= 1000) {
      this.stats.perSecond = now - this.second.start < 2000 ? this.second.count : 0;
      this.second = { start: now, count: 0 };
    }
    this.second.count += add;
  }

  private note(at: number, replica: string, kind: string, detail: string): void {
    this.log.push({ at, replica, kind, detail });
    if (this.log.length > MAX_LOG) this.log.shift();
  }
}
