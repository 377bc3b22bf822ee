// The client end of request-reply: a REQ socket that never waits forever (the zguide's "Lazy Pirate").
// REQ is lockstep: once a reply is lost the socket can neither send nor receive again, so after a
// timeout it is discarded and the request goes out again on a fresh socket.
import * as zmq from "zeromq";
import { type Role } from "../runtime/index.js";

export interface RequesterOptions {
  endpoint: string;
  /** How long one attempt waits for its reply. */
  timeoutMs: number;
  /** Attempts after the first one, each on a fresh socket. */
  retries: number;
}

type Sockets = Pick<Role<unknown>, "open" | "connect" | "discard" | "timedOut">;

export class Requester {
  private socket: zmq.Request | undefined;

  constructor(
    private readonly role: Sockets,
    private readonly options: RequesterOptions,
  ) {
    this.socket = this.open();
  }

  get attempts(): number {
    return this.options.retries + 1;
  }

  /**
   * Sends `text` and returns the reply, or undefined when every attempt timed out.
   * `onRetry(attempt)` is called before each attempt after the first.
   */
  async request(text: string, onRetry: (attempt: number) => void = () => {}): Promise<string | undefined> {
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) onRetry(attempt);
      this.socket ??= this.open();
      try {
        await this.socket.send(text);
        const frames = await this.socket.receive();
        return frames.map(String).join(" ");
      } catch (err) {
        if (!this.role.timedOut(err)) throw err;
      }
      this.role.discard(this.socket);
      this.socket = undefined;
    }
    return undefined;
  }

  /** Through the role, so every socket gets the lab's security settings and closes on stop. */
  private open(): zmq.Request {
    const { endpoint, timeoutMs } = this.options;
    const socket = this.role.open(zmq.Request, { receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
    this.role.connect(socket, endpoint);
    return socket;
  }
}
