import { describe, expect, it } from "vitest";
import { CountBy } from "../../services/runtime/count-by.js";

describe("CountBy", () => {
  it("counts per id, sorted by id, with a total", () => {
    const counts = new CountBy();
    expect([counts.add("b"), counts.add("a"), counts.add("b")]).toEqual([1, 1, 2]);
    expect(counts.rows()).toEqual([["a", 1], ["b", 2]]);
    expect(counts.toJSON()).toEqual({ a: 1, b: 2 });
    expect([counts.total, counts.size, counts.get("b"), counts.get("c")]).toEqual([3, 2, 2, 0]);
  });

  it("past its cap, new ids count for the overflow row: a flood of ids can't grow it", () => {
    const counts = new CountBy(2);
    for (const id of ["a", "b", "c", "d", "a", "e"]) counts.add(id);
    expect(counts.toJSON()).toEqual({ "(more)": 3, a: 2, b: 1 });
    expect(counts.total).toBe(6);
  });
});
