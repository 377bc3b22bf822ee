// rep-server's tally: how many requests it answered per client id, and how many it rejected.
import { clip, CountBy, plural, table } from "../runtime/index.js";

export class Tally {
  readonly clients = new CountBy();
  private rejectedCount = 0;

  /** Counts one answered request from `id`; returns that client's count. */
  answer(id: string): number {
    return this.clients.add(id);
  }

  /** Counts one malformed request (answered to keep REP's lockstep, but never credited to a client). */
  reject(): number {
    return ++this.rejectedCount;
  }

  get rejected(): number {
    return this.rejectedCount;
  }

  get total(): number {
    return this.clients.total;
  }

  /** A summary line, then a table of clients sorted by id. */
  report(): string[] {
    const rows = this.clients.rows().map(([id, n]) => [clip(id), n]);
    const summary = `answered ${plural(this.total, "request")} from ${plural(rows.length, "client")}, ${this.rejectedCount} rejected`;
    return rows.length === 0 ? [summary] : [summary, ...table(["client", "answered"], rows)];
  }

  /** rep-server's RESULT when it stops: what the table shows, ids whole. */
  result() {
    return { answered: this.total, clients: this.clients.toJSON(), rejected: this.rejectedCount };
  }
}
