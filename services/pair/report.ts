// What the pair roles count and report: the client's exchanges, the server's replies per client.
import { clip, CountBy, OTHER_PEER, table } from "../runtime/index.js";

/** pair-client's RESULT: how many of its PAIR_MESSAGES exchanges it completed, and its verdict. */
export const clientResult = (exchanges: number, messages: number) => ({
  exchanges,
  messages,
  verdict: exchanges === messages ? "PASS" : "FAIL",
});

/** pair-server's replies per client id, and what it rejected. */
export class ServerTally {
  readonly clients = new CountBy();
  rejected = 0;

  /** Counts a reply from our client `id`, or from another text client; returns the replies so far. */
  reply(id = OTHER_PEER): number {
    this.clients.add(id);
    return this.clients.total;
  }

  reject(): number {
    return ++this.rejected;
  }

  /** A summary line, then a table of clients sorted by id (ids cut for the eye; RESULT has them whole). */
  lines(): string[] {
    const summary = `${this.clients.total} replies, ${this.rejected} rejected`;
    const rows = this.clients.rows().map(([id, n]) => [clip(id), n]);
    return rows.length === 0 ? [summary] : [summary, ...table(["client", "replies"], rows)];
  }

  /** pair-server's RESULT on stop. */
  result() {
    return { replies: this.clients.total, rejected: this.rejected, clients: this.clients.toJSON() };
  }
}
