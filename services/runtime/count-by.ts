// Counts per peer id (a client, a publisher), for a server's report and its RESULT. Ids come from
// the wire, so the number of distinct ones is capped: past the cap every new id counts for one
// overflow row, and a flood of made-up ids can't grow a role's memory.

/** Where a server counts a peer that sent text but no id of the lab's form (the tutorial's scripts); never a valid id. */
export const OTHER_PEER = "(other)";

/** Distinct ids a tally keeps by default before the overflow row takes the rest. */
export const MAX_PEERS = 1000;

export class CountBy {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly cap = MAX_PEERS,
    /** The row that counts every id past the cap. */
    readonly overflow = "(more)",
  ) {}

  /** Counts one for `id`; returns that id's (or the overflow row's) count so far. */
  add(id: string): number {
    const key = this.counts.has(id) || this.counts.size < this.cap ? id : this.overflow;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count;
  }

  get(id: string): number {
    return this.counts.get(id) ?? 0;
  }

  /** How many rows: ids (and the overflow row, once used). */
  get size(): number {
    return this.counts.size;
  }

  get total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }

  /** Rows sorted by id, for a table. */
  rows(): Array<[string, number]> {
    return [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** `{ id: count }`, sorted by id, for a RESULT. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.rows());
  }
}
