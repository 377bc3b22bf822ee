// CURVE for the whole lab, switched by ZMQ_CURVE. Binding sockets become CURVE servers that admit
// only the keys of the services they allow (through a ZAP handler that names each key's owner);
// connecting sockets become CURVE clients, with their service's (or replica's) own keypair.
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import * as zmq from "zeromq";
import { makeValidator } from "envalid";
import type { Log } from "./log.js";
import { ConfigError, ID_FORM, expected, loadConfig, oneOf, type Config } from "./config.js";
import { CountBy } from "./count-by.js";
import { parseClientKey, Z85_KEY, z85Encode } from "./keys.js";
import { PeerAddresses } from "./peers.js";

const curveKey = (secret: boolean) =>
  makeValidator<string>((raw) => (Z85_KEY.test(raw) ? raw : expected("a 40-character Z85 CURVE key", raw, { secret })));
const publicKey = curveKey(false);
const secretKey = curveKey(true);
const list = (raw: string) => raw.split(",").map((item) => item.trim()).filter(Boolean);
const clientKeys = makeValidator<Map<string, string>>((raw) => {
  const entries = list(raw).map(parseClientKey);
  if (entries.length === 0 || entries.some((entry) => entry === undefined)) return expected("comma-separated <service>:<40-character Z85 public key>", raw);
  return new Map(entries.map((entry) => [entry!.key, entry!.owner]));
});
const owners = makeValidator<string[]>((raw) => (list(raw).every((name) => ID_FORM.test(name)) ? list(raw) : expected("comma-separated service names", raw)));

// A role that binds needs the server secret and the clients' public keys; a role that connects
// needs its own keypair and the server's public key. Neither gets the other side's secret.
const serverSpec = {
  CURVE_SERVER_SECRET: secretKey({ desc: "the servers' Z85 secret key (npm run keys)" }),
  CURVE_CLIENT_KEYS: clientKeys({ desc: "every client service's public key, as <service>:<Z85 key>, comma-separated (npm run keys)" }),
  CURVE_ALLOW: owners({ default: [], desc: "the services whose keys this role admits (compose sets it); empty: every key in CURVE_CLIENT_KEYS" }),
};
const clientSpec = {
  CURVE_SERVER_PUBLIC: publicKey({ desc: "the servers' Z85 public key (npm run keys)" }),
  CURVE_CLIENT_PUBLIC: publicKey({ desc: "this service's Z85 public key (npm run keys)" }),
  CURVE_CLIENT_SECRET: secretKey({ desc: "this service's Z85 secret key (npm run keys)" }),
};

/** Which ends of a connection a role has: it binds (server), connects (client), or both. */
export interface Sides {
  server: boolean;
  client: boolean;
}

export interface ServerKeys {
  secret: string;
  /** Every client public key the lab made, and the service it belongs to. */
  owners: ReadonlyMap<string, string>;
  /** The services admitted here; empty: all of them. */
  allowed: ReadonlySet<string>;
}
export interface ClientKeys {
  serverPublic: string;
  public: string;
  secret: string;
}
export type Security = { mode: "off" } | { mode: "curve"; server?: ServerKeys; client?: ClientKeys };

/**
 * Reads ZMQ_CURVE and, when it is on, the keys of the sides the role has. Throws a ConfigError
 * naming each bad variable.
 */
export function loadSecurity(given: NodeJS.ProcessEnv = process.env, sides: Sides = { server: true, client: true }, replica?: string): Security {
  const { ZMQ_CURVE } = loadConfig({ ZMQ_CURVE: oneOf(["off", "on"] as const)({ default: "off" }) }, given);
  if (ZMQ_CURVE === "off") return { mode: "off" };
  const env = withKeyFiles(given);
  const own = ownKeyNames(env, replica);
  const { CURVE_CLIENT_PUBLIC, CURVE_CLIENT_SECRET, ...clientRest } = clientSpec;
  const keys = loadConfig(
    { ...(sides.server ? serverSpec : {}), ...(sides.client ? { ...clientRest, [own.public]: CURVE_CLIENT_PUBLIC, [own.secret]: CURVE_CLIENT_SECRET } : {}) },
    env,
  ) as Partial<Config<typeof serverSpec & typeof clientSpec>> & Record<string, string>;
  return {
    mode: "curve",
    server: sides.server
      ? { secret: keys.CURVE_SERVER_SECRET!, owners: keys.CURVE_CLIENT_KEYS!, allowed: new Set(keys.CURVE_ALLOW) }
      : undefined,
    client: sides.client ? { serverPublic: keys.CURVE_SERVER_PUBLIC!, public: keys[own.public]!, secret: keys[own.secret]! } : undefined,
  };
}

/** The variables that hold CURVE keys: each can come from a file instead (`<name>_FILE`). */
export const KEY_VARIABLE = /^CURVE_(SERVER_SECRET|SERVER_PUBLIC|CLIENT_KEYS|CLIENT_PUBLIC(_\d+)?|CLIENT_SECRET(_\d+)?)$/;

/**
 * `env` with every key given as a file (`CURVE_SERVER_SECRET_FILE=/run/secrets/CURVE_SERVER_SECRET`,
 * as Swarm mounts a secret) read into its variable, trimmed; the key is then validated as if set
 * directly. Throws a ConfigError naming each unreadable file, or a key set both ways.
 */
export function withKeyFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const read = { ...env };
  const problems: string[] = [];
  for (const [name, path] of Object.entries(env)) {
    const variable = name.replace(/_FILE$/, "");
    if (variable === name || !KEY_VARIABLE.test(variable) || !path) continue;
    if (env[variable]) {
      problems.push(`${name}: expected ${variable} or ${name}, not both`);
      continue;
    }
    try {
      read[variable] = readFileSync(path, "utf8").trim();
    } catch (err) {
      problems.push(`${name}: expected a readable file holding ${variable}, got "${path}" (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return read;
}

/**
 * The variables of a connecting role's own keypair: its replica's (CURVE_CLIENT_PUBLIC_3 for
 * consumer-3) where `npm run keys -- --replicas` made one for its service, else its service's.
 * CURVE_CLIENT_SERVICE names the service the file is for, so slow-consumer-3, which extends
 * consumer and gets its file, never takes consumer-3's key.
 */
function ownKeyNames(env: NodeJS.ProcessEnv, replica: string | undefined): { public: string; secret: string } {
  const n = replica?.startsWith(`${env.CURVE_CLIENT_SERVICE}-`) ? /-(\d+)$/.exec(replica)?.[1] : undefined;
  return n !== undefined && env[`CURVE_CLIENT_PUBLIC_${n}`] !== undefined
    ? { public: `CURVE_CLIENT_PUBLIC_${n}`, secret: `CURVE_CLIENT_SECRET_${n}` }
    : { public: "CURVE_CLIENT_PUBLIC", secret: "CURVE_CLIENT_SECRET" };
}

/** Whether a key's owner (a service, or one of its replicas: consumer-3) may connect where `allowed` services may. */
const admits = (allowed: ReadonlySet<string>, owner: string) => allowed.size === 0 || allowed.has(owner) || allowed.has(owner.replace(/-\d+$/, ""));

/** The 1st, 10th, 100th...: when a repeated event gets its line. */
const isMilestone = (n: number) => n > 0 && Number.isInteger(Math.log10(n));

/** Applies the security mode to sockets just before they bind or connect. */
export class Guard {
  private zap: zmq.Router | undefined;
  /** Failed handshakes per `kind host`; their sum is what the role reports as rejected. */
  private readonly failures = new CountBy();
  /** ZAP rejections per peer address: a refused client retries as often as a failing one, with any key. */
  private readonly zapRejections = new CountBy();
  /** ZAP admissions per `owner address`. */
  private readonly zapAdmissions = new CountBy();
  /** Addresses ZAP refused whose handshake failure the socket has not reported yet. */
  private readonly zapRefused: string[] = [];
  /** Failures still looking for their peer's address. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly security: Security,
    private readonly log: Log,
    private readonly track: (socket: zmq.Socket) => void,
  ) {}

  get mode() {
    return this.security.mode;
  }

  /** Peers that connected to a bound socket and failed the handshake: plaintext junk, wrong keys, the wrong protocol. */
  get rejectedPeers(): number {
    return this.failures.total + this.pending.size;
  }

  async server(socket: zmq.Socket): Promise<void> {
    this.watchHandshakes(socket);
    if (this.security.mode === "off") return;
    const keys = this.security.server;
    if (!keys) throw new Error("the role binds a socket but has no *_BIND variable, so it was given no server keys");
    socket.curveServer = true;
    socket.curveSecretKey = keys.secret;
    socket.zapDomain = "zmq-lab";
    await this.startZap(keys);
  }

  client(socket: zmq.Socket): void {
    if (this.security.mode === "off") return;
    const keys = this.security.client;
    if (!keys) throw new Error("the role connects a socket but has no *_CONNECT variable, so it was given no client keys");
    socket.curveServerKey = keys.serverPublic;
    socket.curvePublicKey = keys.public;
    socket.curveSecretKey = keys.secret;
  }

  /**
   * Failed handshakes are what an intruder leaves behind: raw bytes on the port, a plaintext peer
   * on a CURVE socket, a wrong key. A ZeroMQ peer retries every 100 ms, so say it for the 1st,
   * 10th, 100th... failure of each kind from each peer host; every one is counted. libzmq names
   * only the socket's own address, so the peer's comes from the kernel's connection table.
   */
  private watchHandshakes(socket: zmq.Socket): void {
    const label = this.security.mode === "curve" ? "CURVE handshake failed" : "handshake failed";
    const trackers = new Map<string, PeerAddresses>();
    const portOf = (address: string) => /:(\d+)$/.exec(address)?.[1] ?? "";
    socket.events.on("bind", ({ address }) => trackers.set(portOf(address), new PeerAddresses(Number(portOf(address)))));
    socket.events.on("accept", ({ address }) => trackers.get(portOf(address))?.accepted());
    socket.events.on("handshake", ({ address }) => trackers.get(portOf(address))?.succeeded());
    const failed = (kind: string) => (event: { address: string; error: Error }) => {
      const done = this.attribute(kind, event, trackers.get(portOf(event.address)), label);
      this.pending.add(done);
      void done.finally(() => this.pending.delete(done));
    };
    socket.events.on("handshake:error:auth", failed("auth"));
    socket.events.on("handshake:error:protocol", failed("protocol"));
    socket.events.on("handshake:error:other", failed("other"));
  }

  /** Finds the failed peer's address, counts the failure under it, and logs the milestones. */
  private async attribute(kind: string, event: { address: string; error: Error }, tracker: PeerAddresses | undefined, label: string): Promise<void> {
    // A refused key was named by ZAP just before; a failed greeting is in the kernel's table,
    // usually at once, else a moment later, once libzmq or the peer has closed it.
    let peer = kind === "auth" ? this.zapRefused.shift() : undefined;
    if (peer) tracker?.resolved(peer);
    for (const wait of [0, 10, 20, 40, 80, 160]) {
      if (peer || !tracker) break;
      if (wait > 0) await delay(wait);
      peer = tracker.claim();
    }
    // Unknown: a connection reset before the role could see it accepted leaves nothing to read.
    peer ??= "an unknown address (connection already gone)";
    const n = this.failures.add(`${kind} ${peer}`);
    if (isMilestone(n)) this.log.warn(`${label} (${kind}) from ${peer} on ${event.address}: ${event.error.message} (x${n})`);
  }

  /** Resolves once every failure seen so far is counted and logged (within about 300 ms). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /**
   * One ZAP handler per process (RFC 27): admits a CURVE client whose public key belongs to a
   * service this role allows. Says who came, and who was refused and why, for the 1st, 10th,
   * 100th... time from each peer address, as for failed handshakes.
   */
  private async startZap(keys: ServerKeys): Promise<void> {
    if (this.zap) return;
    const zap = new zmq.Router({ linger: 0 });
    this.zap = zap;
    this.track(zap);
    await zap.bind("inproc://zeromq.zap.01");
    const allowed = [...keys.allowed].join(", ") || "every service with a key";
    void (async () => {
      for await (const [peer, empty, version, requestId, domain, address, identity, mechanism, ...credentials] of zap) {
        const [key] = credentials;
        const client = mechanism?.toString() === "CURVE" && key?.length === 32 ? z85Encode(key) : undefined;
        const owner = client === undefined ? undefined : keys.owners.get(client);
        const ok = owner !== undefined && admits(keys.allowed, owner);
        const from = String(address);
        if (ok) {
          const n = this.zapAdmissions.add(`${owner} ${from}`);
          if (isMilestone(n)) this.log.info(`ZAP admitted CURVE client ${owner} from ${from} (x${n})`);
        } else {
          this.zapRefused.push(from);
          const who = `${client ?? "?"} (${owner ? `${owner}'s key` : "unknown key"})`;
          const why = owner ? `${owner} may not connect here (allowed: ${allowed})` : "key not on the allow-list";
          const n = this.zapRejections.add(from);
          if (isMilestone(n)) this.log.warn(`ZAP rejected ${mechanism} client ${who} from ${from}: ${why} (x${n})`);
        }
        // The reply names the owner as the connection's user id (ZMTP's User-Id), or nothing.
        await zap.send([peer!, empty!, version!, requestId!, ok ? "200" : "400", ok ? "OK" : "key not allowed", ok ? owner! : "", ""]);
      }
    })().catch((err: Error) => zap.closed || this.log.error(`ZAP handler: ${err.message}`));
  }
}
