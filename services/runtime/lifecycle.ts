import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { config as loadDotenv } from "dotenv";
import * as zmq from "zeromq";
import { ConfigError, connectInstead, loadConfig, type Config, type Spec } from "./config.js";
import { connectEach, discoverySpec, followReplicas } from "./discovery.js";
import { heartbeatOptions, heartbeatSpec } from "./heartbeat.js";
import { createLog, logSpec, plural, type Log } from "./log.js";
import { replicaName } from "./replica.js";
import { Guard, loadSecurity } from "./security.js";
import { CLOSE_WAIT_MS, loadTelemetry, Telemetry } from "./telemetry.js";

/**
 * Exit codes shared by every role. A role with a verdict (a client, the subscriber, the collector)
 * exits 0 only after a real success; a stop before its verdict exits 128 + the signal's number,
 * as a shell reports a process the signal ended. A server has no verdict: a stop is its normal end.
 */
export const Exit = {
  ok: 0,
  /** An unexpected error, a role that did not stop within its grace, or a second signal. */
  error: 1,
  config: 2,
  /** The peer never answered within the role's timeout. */
  noPeer: 3,
  /** The role finished, but its result failed a check. */
  mismatch: 4,
  /** Ctrl+C (SIGINT, 128 + 2) before the role's verdict. */
  interrupted: 130,
  /** SIGKILL (128 + 9): `docker kill`, a second Ctrl+C on compose, or a stop past stop_grace_period. No line: nothing runs. */
  killed: 137,
  /** SIGTERM (128 + 15) before the role's verdict (`docker compose stop`, Ctrl+C on compose, compose aborting the lab). */
  terminated: 143,
} as const;

const stopCode = (signal: NodeJS.Signals) => (signal === "SIGINT" ? Exit.interrupted : Exit.terminated);

export interface RoleOptions<C = unknown> {
  /**
   * The role's job ends in a verdict (its exit code): a stop before `main` returns is then no
   * success, and the role exits 130 (SIGINT) or 143 (SIGTERM) with a line saying so.
   */
  verdict?: boolean;
  /** The role's own protocol needs heartbeats (the broker's): HEARTBEAT_MS=0 is then a config error. */
  needsHeartbeats?: boolean;
  /**
   * Problems between the role's variables (each fine alone), as `NAME: expected ..., got "..."`:
   * reported with every other config problem, exit 2 before any socket opens.
   */
  check?: (config: C) => string[];
}

/** How long queued messages may still go out after close. */
const LINGER_MS = 200;
/** Lab messages are tiny; a peer sending a larger frame is disconnected by libzmq. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * What a publisher receives are subscriptions, which libzmq keeps in a trie of one node per byte:
 * 50 unique 60 KiB subscriptions took a publisher from 16 to 160 MiB. The lab's topics are zip
 * codes; a longer subscription gets its peer disconnected. The cap also bounds the handshake: a
 * CURVE client's INITIATE command is 276 bytes (256 refused every CURVE subscriber), so 512 leaves room for metadata.
 */
const MAX_SUBSCRIPTION_BYTES = 512;
/** After a signal, how long the role may take to finish before it is forced out. */
const GRACE_MS = 1500;
/** From the last telemetry record to a forced exit: the sockets' linger and some. */
const EXIT_MS = LINGER_MS + 300;

export interface Role<C> {
  readonly config: C;
  readonly log: Log;
  /** The container's hostname (a container id under compose). */
  readonly host: string;
  /** The replica's compose name (`consumer-2`), else the hostname: the default id of a role. */
  readonly replica: string;
  /** Aborted on SIGTERM or SIGINT. */
  readonly signal: AbortSignal;
  readonly stopping: boolean;
  /** HEARTBEAT_MS: the interval of ZMTP heartbeats on every socket; 0 when they are off. */
  readonly heartbeatMs: number;
  /**
   * Creates a socket that closes with a short linger when the role stops, refuses frames over
   * 64 KiB (a publisher: subscriptions over 512 bytes), and heartbeats its peers every
   * HEARTBEAT_MS (a peer silent for 3 is disconnected).
   */
  open<S extends zmq.Socket, O extends object>(Type: new (options?: O) => S, options?: O): S;
  /** Closes a socket now, dropping what it has not sent, and stops tracking it (e.g. a REQ stuck after a lost reply). */
  discard(socket: zmq.Socket): void;
  bind(socket: zmq.Socket, endpoint: string): Promise<void>;
  connect(socket: zmq.Socket, endpoint: string): void;
  /**
   * With CONNECT_TO=replicas, calls `onAdd` with `tcp://<address>:<port>` of every replica behind
   * `endpoint`, now and as replicas appear, so the role can give each its own socket (`connect`
   * takes such an endpoint as it is). False in name mode: the role connects to `endpoint` itself.
   */
  eachReplica(endpoint: string, onAdd: (replica: string) => void): boolean;
  /** The role's live figures for the dashboard (a tally, a verdict so far), read at each telemetry record. */
  figures(read: () => Record<string, unknown>): void;
  /** Logs the readiness line tests and users wait on. */
  ready(detail?: string): void;
  /**
   * The next message, or undefined when the socket's receiveTimeout passed or the role is
   * stopping (a close also ends a receive): check `stopping` to tell which.
   */
  receive(socket: zmq.Readable): Promise<Buffer[] | undefined>;
  /**
   * True when a receive or send gave up because of its socket timeout. zeromq rejects a call cut
   * short by close() with the same EAGAIN, so while the role is stopping this is false.
   */
  timedOut(err: unknown): boolean;
  /** Waits `ms`, or less if the role is stopping. */
  sleep(ms: number): Promise<void>;
}

const isEagain = (err: unknown) => (err as { code?: string } | null)?.code === "EAGAIN";

/**
 * Runs one role: loads `.env` (real env vars win), validates config before any socket opens,
 * handles signals, and turns the outcome into an exit code. `main` returns the exit code.
 */
export async function runRole<S extends Spec>(
  name: string,
  spec: S,
  main: (role: Role<Config<S>>) => Promise<number | void>,
  { verdict = false, needsHeartbeats = false, check }: RoleOptions<Config<S>> = {},
): Promise<void> {
  loadDotenv({ quiet: true });
  // Every problem of the role's config and of the security settings, reported together.
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  };
  const logging = attempt(() => loadConfig(logSpec));
  // The name compose gives this replica (consumer-2), so logs and reports match `docker ps`.
  const replica = await replicaName();
  let telemetry: Telemetry | undefined;
  const lines = createLog(name, replica, {
    level: logging?.LOG_LEVEL,
    every: logging?.LOG_EVERY,
    format: logging?.LOG_FORMAT,
    time: logging?.LOG_TIME === "on",
  });
  // The RESULT goes to the dashboard too, as the role's last figures.
  const log: Log = { ...lines, result: (fields) => (lines.result(fields), telemetry?.setResult(fields)) };
  const config = attempt(() => loadConfig(spec));
  if (config && check) problems.push(...check(config));
  const discovery = attempt(() => loadConfig(discoverySpec));
  const liveness = attempt(() => loadConfig(heartbeatSpec));
  if (liveness?.HEARTBEAT_MS === 0 && needsHeartbeats) {
    problems.push(`HEARTBEAT_MS: expected an integer from 50 to 60000, got "0" (${name} needs heartbeats)`);
  }
  // A role's endpoints are its *_BIND and *_CONNECT variables: they say which keys it needs. A
  // *_BIND set to connect:<endpoint> connects, so that socket is a client: the device it reaches binds.
  const names = Object.keys(spec);
  const connectsInstead = (n: string) => connectInstead(String((config as Record<string, unknown> | undefined)?.[n] ?? "")) !== undefined;
  const binds = names.filter((n) => n.endsWith("_BIND"));
  const sides = {
    server: binds.some((n) => !connectsInstead(n)),
    client: names.some((n) => n.endsWith("_CONNECT")) || binds.some(connectsInstead),
  };
  const security = attempt(() => loadSecurity(process.env, sides, replica));
  const telemetryConfig = attempt(() => loadTelemetry());
  if (!logging || !config || !security || !liveness || !discovery || !telemetryConfig || problems.length > 0) {
    for (const problem of problems) log.error(`config ${problem}`);
    process.exit(Exit.config);
  }

  telemetry = new Telemetry({ ...telemetryConfig, role: name, replica });
  const sockets = new Set<zmq.Socket>();
  const guard = new Guard(security, log, (socket) => sockets.add(socket));
  const endpoints: string[] = [];
  const controller = new AbortController();
  const closeAll = () => sockets.forEach((socket) => socket.closed || socket.close());

  let stoppedBy: NodeJS.Signals | undefined;
  let stoppedAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warn(`second ${signal}, exiting now without closing cleanly`);
      process.exit(Exit.error);
    }
    stoppedBy = signal;
    stoppedAt = Date.now();
    log.info(`${signal} received, closing sockets`);
    controller.abort();
    closeAll();
    setTimeout(() => {
      log.error(`did not stop within ${GRACE_MS} ms`);
      process.exit(Exit.error);
    }, GRACE_MS).unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  const role: Role<Config<S>> = {
    config,
    log,
    host: hostname(),
    replica,
    signal: controller.signal,
    get stopping() {
      return controller.signal.aborted;
    },
    heartbeatMs: liveness.HEARTBEAT_MS,
    open<T extends zmq.Socket, O extends object>(Type: new (options?: O) => T, options?: O): T {
      const publishes = (Type as unknown) === zmq.Publisher || (Type as unknown) === zmq.XPublisher;
      const maxMessageSize = publishes ? MAX_SUBSCRIPTION_BYTES : MAX_MESSAGE_BYTES;
      const socket = new (telemetry.counted(Type))({ linger: LINGER_MS, maxMessageSize, ...heartbeatOptions(liveness.HEARTBEAT_MS), ...options } as O);
      sockets.add(socket);
      return socket;
    },
    discard(socket) {
      sockets.delete(socket);
      if (socket.closed) return;
      socket.linger = 0;
      socket.close();
    },
    async bind(socket, endpoint) {
      // A `connect:` value: the socket connects, as a client of whatever binds there.
      const target = connectInstead(endpoint);
      if (target !== undefined) {
        guard.client(socket);
        socket.connect(target);
        telemetry.endpoint(socket, "connect", target);
        endpoints.push(`connecting to ${target} (instead of binding)`);
        return;
      }
      await guard.server(socket);
      await socket.bind(endpoint);
      telemetry.endpoint(socket, "bind", endpoint);
      endpoints.push(`bound ${endpoint}`);
    },
    connect(socket, endpoint) {
      guard.client(socket);
      const target = connectInstead(endpoint) ?? endpoint;
      if (connectEach(socket, target, { env: discovery, signal: controller.signal, onAdd: (address) => log.info(`connecting to ${address}, a replica of ${target}`) })) {
        endpoints.push(`connecting to every replica of ${target}`);
        telemetry.endpoint(socket, "connect", `every replica of ${target}`);
        return;
      }
      socket.connect(target);
      telemetry.endpoint(socket, "connect", target);
      endpoints.push(`connecting to ${target}`);
    },
    eachReplica(endpoint, onAdd) {
      const following = followReplicas(endpoint, { env: discovery, signal: controller.signal, onAdd });
      if (following) endpoints.push(`following every replica of ${endpoint}`);
      return following;
    },
    ready(detail) {
      const secure = guard.mode === "curve" ? "CURVE on" : undefined;
      log.notice(`ready: ${[...endpoints, secure, detail].filter(Boolean).join(", ")}`);
      telemetry.ready();
    },
    async receive(socket) {
      try {
        return await socket.receive();
      } catch (err) {
        if (isEagain(err)) return undefined;
        throw err;
      }
    },
    figures: (read) => telemetry.figures(read),
    timedOut: (err) => isEagain(err) && !controller.signal.aborted,
    sleep: (ms) => delay(ms, undefined, { signal: controller.signal }).catch(() => undefined),
  };

  let code: number;
  try {
    code = (await main(role)) ?? Exit.ok;
  } catch (err) {
    // Socket calls interrupted by our own close are the normal end of a stop.
    code = Exit.error;
    // A stack trace, a line at a time: the log keeps every message to one line.
    if (!role.stopping) for (const line of (err instanceof Error ? (err.stack ?? err.message) : String(err)).split("\n")) log.error(line);
  }
  closeAll();
  // Failed handshakes still being traced to their peer get their lines before the last ones.
  await guard.settled();
  const rejected = guard.rejectedPeers;
  if (rejected > 0) log.info(`rejected ${plural(rejected, "connection")} that failed the handshake`);
  if (stoppedBy && verdict) {
    // Whatever main returned after the stop, the job was cut short: no success to report.
    code = stopCode(stoppedBy);
    log.warn(`stopped by ${stoppedBy} before its verdict: exit ${code}`);
  } else if (stoppedBy) {
    code = Exit.ok;
    log.info("stopped");
  }
  // A role done before a starting dashboard subscribed waits a little for it, after a signal only
  // within the grace period, leaving the exit below its time.
  await telemetry.close(code, stoppedBy ? Math.max(0, stoppedAt + GRACE_MS - EXIT_MS - 200 - Date.now()) : CLOSE_WAIT_MS);
  // Exit when the event loop drains, so zeromq can flush what lingers; force it if something hangs on.
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_MS).unref();
}
