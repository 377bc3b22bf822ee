import { describe, expect, it } from "vitest";
import { IdMap } from "../../services/runtime/index.js";

describe("IdMap", () => {
  it("sets, gets, deletes and counts ids like a Map, iterating by id", () => {
    const map = new IdMap();
    map.set(70, 3);
    map.set(2, 0);
    map.set(70, 4);
    expect(map.size).toBe(2);
    expect([map.has(2), map.get(2), map.get(70), map.get(3), map.get(1e9)]).toEqual([true, 0, 4, undefined, undefined]);
    expect([...map]).toEqual([[2, 0], [70, 4]]);
    expect(map.delete(2)).toBe(true);
    expect(map.delete(2)).toBe(false);
    expect([map.size, [...map.keys()]]).toEqual([1, [70]]);
  });

  it("refuses an id that is not an integer from 0, and NaN as a value", () => {
    const map = new IdMap();
    expect(() => map.set(-1, 1)).toThrow(RangeError);
    expect(() => map.set(1.5, 1)).toThrow(RangeError);
    expect(() => map.set(1, NaN)).toThrow(RangeError);
    expect(map.size).toBe(0);
  });

  it("holds a batch of a million ids", () => {
    const map = new IdMap();
    for (let id = 0; id < 1_000_000; id++) map.set(id, id % 11);
    expect(map.size).toBe(1_000_000);
    expect(map.get(999_999)).toBe(999_999 % 11);
  });
});
