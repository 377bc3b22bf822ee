// The request-reply wire format (plain UTF-8 text frames, as in the pyzmq tutorial) and the
// server's per-client tally. Both ends and the tests import it from here.
import { makeValidator } from "envalid";
import { expected, plural, table, textOf } from "../runtime/index.js";

/** What the server answers unless REP_REPLY says otherwise. */
export const DEFAULT_REPLY = "Hi from Server";

const ID = "[A-Za-z0-9_.-]{1,64}";
const REQUEST = new RegExp(`^Hello from client (${ID})$`);

export const requestText = (id: string) => `Hello from client ${id}`;

/** Where the server counts a request that is text but not ours (the tutorial's "Hello"); never a valid id. */
export const OTHER_CLIENT = "(other)";

/** The client id of a well-formed request, or undefined. A request is exactly one frame of valid UTF-8. */
export function parseRequest(frames: readonly Buffer[]): string | undefined {
  const text = textOf(frames);
  return text === undefined ? undefined : REQUEST.exec(text)?.[1];
}

const ID_ONLY = new RegExp(`^${ID}$`);

/** CLIENT_ID: the same form the server accepts in a request, so a configured id is never rejected. */
export const clientId = makeValidator<string>((raw) =>
  ID_ONLY.test(raw) ? raw : expected('1 to 64 letters, digits, ".", "_" or "-"', raw),
);

/** How many requests the server answered per client id, and how many it rejected. */
export class Tally {
  private readonly answered = new Map<string, number>();
  private rejectedCount = 0;

  /** Counts one answered request from `id`; returns that client's count. */
  answer(id: string): number {
    const count = (this.answered.get(id) ?? 0) + 1;
    this.answered.set(id, count);
    return count;
  }

  /** Counts one malformed request (answered to keep REP's lockstep, but never credited to a client). */
  reject(): number {
    return ++this.rejectedCount;
  }

  get rejected(): number {
    return this.rejectedCount;
  }

  get total(): number {
    let sum = 0;
    for (const count of this.answered.values()) sum += count;
    return sum;
  }

  /** A summary line, then a table of clients sorted by id. */
  report(): string[] {
    const clients = [...this.answered].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const summary = `answered ${plural(this.total, "request")} from ${plural(clients.length, "client")}, ${this.rejectedCount} rejected`;
    return clients.length === 0 ? [summary] : [summary, ...table(["client", "answered"], clients)];
  }
}

