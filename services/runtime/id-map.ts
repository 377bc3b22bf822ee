// A map from task ids to numbers that stays small for big batches: one slot of a growable
// Float64Array per id (8 bytes) where a Map entry costs 30 to 80, so the producer's ledger and the
// collector's tally of a 1 000 000-task batch fit a role's 128 MiB.

/** Ids are integers from 0 (a batch's task ids); a value may be any number but NaN, which marks a free slot. */
export class IdMap {
  private slots = new Float64Array(0);
  size = 0;

  has(id: number): boolean {
    return id < this.slots.length && !Number.isNaN(this.slots[id]);
  }

  get(id: number): number | undefined {
    return this.has(id) ? this.slots[id] : undefined;
  }

  set(id: number, value: number): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`IdMap: an id is an integer from 0, got ${id}`);
    if (Number.isNaN(value)) throw new RangeError("IdMap: NaN marks a free slot and can't be a value");
    if (id >= this.slots.length) this.grow(id);
    if (Number.isNaN(this.slots[id])) this.size++;
    this.slots[id] = value;
  }

  delete(id: number): boolean {
    if (!this.has(id)) return false;
    this.slots[id] = NaN;
    this.size--;
    return true;
  }

  /** Id and value pairs, by id. */
  *[Symbol.iterator](): IterableIterator<[number, number]> {
    for (let id = 0; id < this.slots.length; id++) if (!Number.isNaN(this.slots[id])) yield [id, this.slots[id]!];
  }

  *keys(): IterableIterator<number> {
    for (const [id] of this) yield id;
  }

  /** Doubling, so setting ids 0, 1, 2... copies each slot about once. */
  private grow(id: number): void {
    const slots = new Float64Array(Math.max(id + 1, 2 * this.slots.length, 64)).fill(NaN);
    slots.set(this.slots);
    this.slots = slots;
  }
}
