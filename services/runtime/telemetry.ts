// Telemetry: every role publishes a small JSON record about itself (its sockets' endpoints, message
// and byte counts, monitor events, its own figures) from a PUB that connects to TELEMETRY_CONNECT
// (tcp://dashboard:5599), every TELEMETRY_INTERVAL_MS and soon after each socket event. It is fire
// and forget: with no dashboard, PUB drops; a send still in flight makes the next record a drop.
// Records are made only while a dashboard is subscribed: socket events wait for it (the latest 50)
// instead of going out to no one, and with no dashboard no record is even serialized.
// The one wait: a role that ends while a dashboard is there but has not subscribed yet (still
// starting) holds its last record a bounded time for it, so even a role done in 100 ms shows.
import { networkInterfaces } from "node:os";
import { basename, dirname } from "node:path";
import * as zmq from "zeromq";
import { endpoint, integer, loadConfig } from "./config.js";
import { ESTABLISHED, readTcpTable, type TcpEntry } from "./peers.js";

/** Where telemetry goes unless TELEMETRY_CONNECT says otherwise (empty: nowhere). */
export const DEFAULT_TELEMETRY = "tcp://dashboard:5599";
/** The record format's version, so the dashboard can refuse what it doesn't know. */
export const TELEMETRY_VERSION = 1;

/** The monitor events the view shows; each is counted per socket and listed in the next record. */
export const SOCKET_EVENTS = ["bind", "connect", "accept", "handshake", "disconnect", "handshake:error:protocol", "handshake:error:auth", "handshake:error:other"] as const;
export type SocketEvent = (typeof SOCKET_EVENTS)[number];

export type RoleState = "starting" | "ready" | "exited";

export interface Flow {
  msgs: number;
  bytes: number;
}

export interface SocketRecord {
  id: number;
  type: string;
  endpoints: string[];
  in: Flow;
  out: Flow;
  events: Partial<Record<SocketEvent, number>>;
  /** Set once the role closed the socket (a REQ client's retry discards its old one). */
  closed?: true;
}

/**
 * Who the role is connected to. ZeroMQ names no peer (a bound socket's events all carry its own
 * address), so this comes from the kernel: the role's own addresses, and its sockets' established
 * TCP connections, for the dashboard to match the far ends to the replicas that own them.
 */
export interface NetRecord {
  /** The container's addresses, loopback aside. */
  addresses: string[];
  /** `[local, remote]` as `ip:port`: connections on a port one of the role's open sockets binds or connects to. */
  connections: Array<[string, string]>;
}

export interface EventRecord {
  at: number;
  socket: number;
  event: SocketEvent;
  address: string;
}

export interface TelemetryRecord {
  v: typeof TELEMETRY_VERSION;
  role: string;
  replica: string;
  pattern: string;
  /** Per process, from 1: a gap is a record lost on the way. */
  seq: number;
  at: number;
  intervalMs: number;
  state: RoleState;
  exitCode?: number;
  sockets: SocketRecord[];
  /** Socket events since the previous record, the latest MAX_EVENTS of them. */
  events: EventRecord[];
  /** Records this process could not hand to its socket (a send still in flight). */
  dropped: number;
  figures?: Record<string, unknown>;
  result?: Record<string, unknown>;
  /** Absent while no socket has a TCP endpoint. */
  net?: NetRecord;
}

/** Per record; a storm of failed handshakes sends its latest events and its counts, not all of them. */
const MAX_EVENTS = 50;
/** A record soon after an event, but no more than one per this many ms. */
const EVENT_DELAY_MS = 50;
/** A dashboard that is away costs at most this many queued records. */
const TELEMETRY_HWM = 20;
/** At exit, the longest wait for a dashboard that resolved but has not subscribed yet. */
export const CLOSE_WAIT_MS = 1000;
/** Connections per record, whatever the kernel lists (a host-side bench sees the host's). */
const MAX_CONNECTIONS = 256;

/** The port of `bind tcp://*:5557`, `connect tcp://producer:5557`, `connect every replica of tcp://consumer:5558`. */
const portOf = (endpoint: string) => Number(/^(?:bind|connect)\b.*\btcp:\/\/[^ ]*:(\d+)$/.exec(endpoint)?.[1]) || undefined;

/** The role's addresses and its sockets' connections, from the kernel's table. */
export function netOf(sockets: readonly SocketRecord[], table: () => TcpEntry[] = readTcpTable): NetRecord | undefined {
  const ports = { bind: new Set<number>(), connect: new Set<number>() };
  for (const socket of sockets) {
    if (socket.closed) continue;
    for (const endpoint of socket.endpoints) {
      const port = portOf(endpoint);
      if (port) ports[endpoint.startsWith("bind") ? "bind" : "connect"].add(port);
    }
  }
  if (ports.bind.size + ports.connect.size === 0) return undefined;
  const portIn = (address: string, set: Set<number>) => set.has(Number(address.slice(address.lastIndexOf(":") + 1)));
  const connections = table()
    .filter((entry) => entry.state === ESTABLISHED && (portIn(entry.local, ports.bind) || portIn(entry.remote, ports.connect)))
    .slice(0, MAX_CONNECTIONS)
    .map((entry): [string, string] => [entry.local, entry.remote]);
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((nic) => nic && !nic.internal)
    .map((nic) => nic!.address);
  return { addresses, connections };
}

const telemetrySpec = {
  TELEMETRY_CONNECT: endpoint({ default: DEFAULT_TELEMETRY }),
  TELEMETRY_INTERVAL_MS: integer({ min: 50, max: 60_000, default: 500 }),
};

export interface TelemetryConfig {
  /** Undefined: telemetry is off. */
  connect: string | undefined;
  intervalMs: number;
}

/**
 * Reads TELEMETRY_CONNECT (unset: the dashboard's default; set but empty: off) and
 * TELEMETRY_INTERVAL_MS. Throws a ConfigError naming a bad value.
 */
export function loadTelemetry(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const off = env.TELEMETRY_CONNECT === "";
  const config = loadConfig(telemetrySpec, env);
  return { connect: off ? undefined : config.TELEMETRY_CONNECT, intervalMs: config.TELEMETRY_INTERVAL_MS };
}

/** The pattern a role belongs to: its file's folder (`dist/pipeline/collector.js` → pipeline). */
export const patternOf = (script = process.argv[1] ?? "") => basename(dirname(script)) || "unknown";

/** Bytes of what a role hands to send(): a frame or an array of frames. */
function sizeOf(message: unknown): number {
  if (typeof message === "string") return Buffer.byteLength(message);
  if (Array.isArray(message)) return message.reduce((sum: number, frame) => sum + sizeOf(frame), 0);
  if (ArrayBuffer.isView(message) || message instanceof ArrayBuffer) return message.byteLength;
  return 0;
}

export interface TelemetryOptions extends TelemetryConfig {
  role: string;
  replica: string;
  pattern?: string;
}

/**
 * Counts what the role's sockets do and publishes it. `counted(Type)` gives the socket class
 * `role.open()` creates, counting every send and receive; `watch` follows its monitor events.
 */
export class Telemetry {
  private readonly tracked: SocketRecord[] = [];
  /** The socket of each record, to tell a closed one. */
  private readonly sockets: zmq.Socket[] = [];
  private readonly bySocket = new WeakMap<zmq.Socket, SocketRecord>();
  private events: EventRecord[] = [];
  private seq = 0;
  private dropped = 0;
  private busy = false;
  private state: RoleState = "starting";
  private exitCode: number | undefined;
  private figuresOf: (() => Record<string, unknown>) | undefined;
  private result: Record<string, unknown> | undefined;
  // An XPUB, not a PUB: the same sending, and it hears the dashboard's subscription.
  private readonly publisher: zmq.XPublisher | undefined;
  /** A dashboard's SUB is subscribed now. */
  private subscribed = false;
  /** One was, at some point: it has seen this role. */
  private heard = false;
  /** A connect attempt reached an address: the dashboard's name resolves, so one is there or starting. */
  private addressed = false;
  private retried = false;
  private onSubscribed: (() => void) | undefined;
  private closing = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private readonly classes = new Map<unknown, unknown>();

  constructor(private readonly options: TelemetryOptions) {
    if (!options.connect) return;
    // A context of its own: while the dashboard's name does not resolve, libzmq retries the lookup
    // on this context's I/O thread, never on the one the role's sockets use.
    this.publisher = new zmq.XPublisher({
      context: new zmq.Context({ ioThreads: 1 }),
      sendHighWaterMark: TELEMETRY_HWM,
      // What comes back on a PUB is subscriptions: a few bytes, never more.
      maxMessageSize: 1024,
      linger: 100,
      reconnectInterval: 500,
      reconnectMaxInterval: 2000,
    });
    // An unresolved name only ever gives connect:retry; an address gives connect:delay first.
    const found = () => void (this.addressed = true);
    this.publisher.events.on("connect:delay", found);
    this.publisher.events.on("connect", found);
    this.publisher.events.on("connect:retry", () => void (this.retried = true));
    void this.followSubscriptions(this.publisher);
    this.publisher.connect(options.connect);
    this.timer = setInterval(() => this.flush(), options.intervalMs).unref();
  }

  get enabled(): boolean {
    return this.publisher !== undefined;
  }

  /** A subclass of `Type` whose instances count their messages; `Type` itself when telemetry is off. */
  counted<S extends zmq.Socket, O extends object>(Type: new (options?: O) => S): new (options?: O) => S {
    if (!this.enabled) return Type;
    const known = this.classes.get(Type) as (new (options?: O) => S) | undefined;
    if (known) return known;
    const telemetry = this;
    // Sockets are sealed objects: counting lives in a subclass, and each instance's record in a map.
    const records = new WeakMap<object, SocketRecord>();
    const Counted = class extends (Type as unknown as new (options?: O) => zmq.Socket) {
      constructor(options?: O) {
        super(options);
        records.set(this, telemetry.track(this, Type.name));
      }
    };
    // Only what the type has: a PUSH gets no receive, a PULL no send.
    const base = Type.prototype as { send?: (message: unknown) => Promise<void>; receive?: () => Promise<Buffer[]> };
    const { send, receive } = base;
    // No async wrapper on the hot path: the caller gets zeromq's own promise (a send is counted
    // when handed over, and taken back if it fails), or one `then` for a receive.
    if (send) {
      Object.defineProperty(Counted.prototype, "send", {
        value(this: zmq.Socket, message: unknown) {
          const record = records.get(this)!;
          const bytes = sizeOf(message);
          record.out.msgs++;
          record.out.bytes += bytes;
          const sent = send.call(this, message);
          sent.catch(() => {
            record.out.msgs--;
            record.out.bytes -= bytes;
          });
          return sent;
        },
      });
    }
    if (receive) {
      Object.defineProperty(Counted.prototype, "receive", {
        value(this: zmq.Socket) {
          const record = records.get(this)!;
          return receive.call(this).then((frames) => {
            record.in.msgs++;
            record.in.bytes += sizeOf(frames);
            return frames;
          });
        },
      });
    }
    this.classes.set(Type, Counted);
    return Counted as unknown as new (options?: O) => S;
  }

  /** Starts a record for a socket and follows its monitor events. */
  track(socket: zmq.Socket, type: string): SocketRecord {
    const record: SocketRecord = { id: this.tracked.length, type, endpoints: [], in: { msgs: 0, bytes: 0 }, out: { msgs: 0, bytes: 0 }, events: {} };
    this.tracked.push(record);
    this.sockets.push(socket);
    this.bySocket.set(socket, record);
    for (const event of SOCKET_EVENTS) {
      socket.events.on(event, ({ address }: { address: string }) => {
        record.events[event] = (record.events[event] ?? 0) + 1;
        this.events.push({ at: Date.now(), socket: record.id, event, address });
        if (this.events.length > MAX_EVENTS) this.events.shift();
        this.flushSoon();
      });
    }
    return record;
  }

  /** Notes where a socket binds or connects (`bind tcp://*:5558`, `connect tcp://producer:5557`). */
  endpoint(socket: zmq.Socket, how: "bind" | "connect", endpoint: string): void {
    this.bySocket.get(socket)?.endpoints.push(`${how} ${endpoint}`);
  }

  /** The role's own live figures, read at each record; a throwing callback gives none. */
  figures(read: () => Record<string, unknown>): void {
    this.figuresOf = read;
  }

  ready(): void {
    this.state = "ready";
    this.flushSoon();
  }

  /** The role's RESULT: its last figures. */
  setResult(fields: Record<string, unknown>): void {
    this.result = fields;
    this.flushSoon();
  }

  /**
   * The last record (state `exited`), then the socket closes; linger lets it out if a dashboard is
   * there. When the dashboard's name resolved but its SUB has not subscribed yet, the record would
   * go to no one: it waits for the subscription first, `waitMs` at most. With no dashboard (the name
   * does not resolve) or telemetry off, it waits for nothing.
   */
  async close(exitCode: number, waitMs = CLOSE_WAIT_MS): Promise<void> {
    if (!this.publisher || this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.state = "exited";
    this.exitCode = exitCode;
    if (!this.heard && this.addressed && waitMs > 0) await this.subscription(waitMs);
    this.flush();
    // After the send's turn: a close right away could cut it.
    setImmediate(() => this.publisher!.close());
  }

  /** What the PUB knows of a dashboard: subscribed, an address it tries, a name that does not resolve, nothing yet. */
  get dashboard(): "subscribed" | "addressed" | "unresolved" | "unknown" {
    if (this.subscribed) return "subscribed";
    if (this.addressed) return "addressed";
    return this.retried ? "unresolved" : "unknown";
  }

  /** The record as it stands now. */
  snapshot(): TelemetryRecord {
    let figures: Record<string, unknown> | undefined;
    try {
      figures = this.figuresOf?.();
    } catch {
      figures = undefined;
    }
    const events = this.events;
    this.events = [];
    this.sockets.forEach((socket, i) => socket.closed && (this.tracked[i]!.closed = true));
    const net = netOf(this.tracked);
    return {
      v: TELEMETRY_VERSION,
      role: this.options.role,
      replica: this.options.replica,
      pattern: this.options.pattern ?? patternOf(),
      seq: ++this.seq,
      at: Date.now(),
      intervalMs: this.options.intervalMs,
      state: this.state,
      ...(this.exitCode !== undefined && { exitCode: this.exitCode }),
      sockets: this.tracked,
      events,
      dropped: this.dropped,
      ...(figures && { figures }),
      ...(this.result && { result: this.result }),
      ...(net && { net }),
    };
  }

  /** Reads what comes back on the XPUB: subscriptions (1, topic) and unsubscriptions (0, topic). */
  private async followSubscriptions(publisher: zmq.XPublisher): Promise<void> {
    try {
      for await (const [frame] of publisher) {
        // 1: the first subscriber came (non-verbose XPUB), 0: the last one left.
        this.subscribed = frame?.[0] === 1;
        if (!this.subscribed) continue;
        this.heard = true;
        this.onSubscribed?.();
        // What happened before it came goes out now.
        this.flushSoon();
      }
    } catch {
      // Closed under a pending receive: the end of telemetry.
    }
  }

  /** Resolves on the next subscription, or after `waitMs`. */
  private subscription(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.onSubscribed = undefined;
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.onSubscribed = done;
    });
  }

  private flushSoon(): void {
    if (!this.publisher || this.soon || this.state === "exited") return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.flush();
    }, EVENT_DELAY_MS).unref();
  }

  private flush(): void {
    const publisher = this.publisher;
    if (!publisher || publisher.closed || !this.subscribed) return;
    if (this.busy) {
      this.dropped++;
      return;
    }
    this.busy = true;
    publisher
      .send(JSON.stringify(this.snapshot()))
      .catch(() => void this.dropped++)
      .finally(() => (this.busy = false));
  }
}
