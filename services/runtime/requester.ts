// A REQ socket that never waits forever (the zguide's "Lazy Pirate"): any role that asks a server
// and needs its answer (req-client against rep-server or a broker) sends through it.
// REQ is lockstep: once a reply is lost the socket can neither send nor receive again, so after a
// timeout it is discarded and the request goes out again on a fresh socket.
import * as zmq from "zeromq";
import type { Role } from "./lifecycle.js";
import type { Link } from "./link.js";

/** No attempt waits longer than this, however long the backoff has grown. */
export const MAX_TIMEOUT_MS = 60_000;

export interface RequesterOptions {
  endpoint: string;
  /** How long the first attempt waits for its reply. */
  timeoutMs: number;
  /** Attempts after the first one, each on a fresh socket. */
  retries: number;
  /**
   * On: waits grow (see Patience) and a request still held by a connected server is not resent.
   * Off: the classic Lazy Pirate, every attempt resends and waits timeoutMs: it storms a slow server.
   */
  backoff?: boolean;
  /** Told about every socket before it connects: says why nothing came back, and whether the request is still held. */
  link?: Link;
  /** [0, 1): the jitter's dice, replaceable in tests. */
  random?: () => number;
}

/**
 * How long each attempt waits. With backoff on:
 * - a request's first attempt waits what TCP would (RFC 6298): the smoothed round trip plus four
 *   times its variation, and never less than timeoutMs. Once the server's queue is long, clients
 *   stop timing out on every request and resending into that queue;
 * - a retry waits twice as long as the attempt before it, ±20% jitter so clients that timed out
 *   together don't resend together;
 * - no wait exceeds MAX_TIMEOUT_MS.
 */
export class Patience {
  private smoothed: number | undefined;
  private variation = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly backoff: boolean,
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait for attempt `attempt` (1-based) of the next request, in whole ms. */
  timeout(attempt: number): number {
    if (!this.backoff) return this.timeoutMs;
    const first = Math.max(this.timeoutMs, (this.smoothed ?? 0) + 4 * this.variation);
    const jitter = attempt === 1 ? 1 : 0.8 + 0.4 * this.random();
    return Math.round(Math.min(MAX_TIMEOUT_MS, first * 2 ** (attempt - 1) * jitter));
  }

  /** A reply came back `ms` after its request went out. */
  answered(ms: number): void {
    if (this.smoothed === undefined) {
      this.smoothed = ms;
      this.variation = ms / 2;
      return;
    }
    this.variation = 0.75 * this.variation + 0.25 * Math.abs(this.smoothed - ms);
    this.smoothed = 0.875 * this.smoothed + 0.125 * ms;
  }
}

type Sockets = Pick<Role<unknown>, "open" | "connect" | "discard" | "receive" | "timedOut" | "stopping">;

export class Requester {
  private socket: zmq.Request | undefined;
  /** The receive and send timeout the current socket has. */
  private timeoutSet: number | undefined;
  readonly patience: Patience;

  constructor(
    private readonly role: Sockets,
    private readonly options: RequesterOptions,
  ) {
    this.patience = new Patience(options.timeoutMs, options.backoff ?? false, options.random);
    this.socket = this.open();
  }

  get attempts(): number {
    return this.options.retries + 1;
  }

  /**
   * Sends `text` and returns the reply, or undefined when every attempt timed out.
   * `onRetry(attempt, waitedMs, nextMs, resent)` is called before each attempt after the first.
   *
   * An attempt that times out while the link still holds the same server (backoff on) is not a lost
   * request: it is queued at a busy server. A copy sent on a fresh socket would only join the back of
   * that queue and cost the server the work twice, so the client keeps its place and waits longer.
   * Only when the connection dropped (or nothing says it held) does it resend on a fresh socket.
   */
  async request(
    text: string,
    onRetry: (attempt: number, waitedMs: number, nextMs: number, resent: boolean) => void = () => {},
  ): Promise<string | undefined> {
    const { backoff, link } = this.options;
    let waited = 0;
    let sent: { at: number; mark: number } | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const timeout = this.patience.timeout(attempt);
      const resend = sent === undefined;
      if (attempt > 1) onRetry(attempt, waited, timeout, resend);
      waited = timeout;
      this.socket ??= this.open();
      // Setting a socket option is a call into libzmq: made only when the wait changes.
      if (this.timeoutSet !== timeout) {
        this.socket.receiveTimeout = timeout;
        this.socket.sendTimeout = timeout;
        this.timeoutSet = timeout;
      }
      try {
        if (resend) {
          // Marked before the send, so a drop while it goes out counts as lost.
          const mark = link?.mark() ?? 0;
          await this.socket.send(text);
          sent = { at: performance.now(), mark };
        }
      } catch (err) {
        if (!this.role.timedOut(err)) throw err;
      }
      // A send that timed out leaves nothing to wait for: the receive is refused at once.
      const frames = sent && (await this.role.receive(this.socket));
      if (this.role.stopping) return undefined;
      if (frames) {
        this.patience.answered(performance.now() - sent!.at);
        return frames.map(String).join(" ");
      }
      if (backoff && sent && link?.heldSince(sent.mark)) continue;
      sent = undefined;
      this.role.discard(this.socket);
      this.socket = undefined;
    }
    return undefined;
  }

  /** Through the role, so every socket gets the lab's security settings and closes on stop. */
  private open(): zmq.Request {
    const socket = this.role.open(zmq.Request);
    this.timeoutSet = undefined;
    this.options.link?.watch(socket);
    this.role.connect(socket, this.options.endpoint);
    return socket;
  }
}
