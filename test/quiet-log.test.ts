import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/pipeline.js";

// LOG_EVERY=auto (the default) on a batch big enough to thin out: the collector logs the first 100
// results in full, then 1 in 10 up to 1 000, then 1 in 100, and its report and verdict stay last.
const TASKS = 3000;

describe("quiet log (LOG_EVERY=auto)", () => {
  const labs = labsPerTest();

  it(`a ${TASKS}-task batch: every result counted, about 200 result lines logged, the verdict last`, async () => {
    const env = { ...base, TASKS: String(TASKS), TASK_MODE: "cpu", TASK_COST: "0", LOG_EVERY: "auto" };
    const lab = await labs.start("pipeline", { env, scale: { consumer: 2 } });
    expect(await lab.waitForExit("collector-1")).toBe(0);

    const lines = await lab.logs("collector-1");
    // "result 1/?" when a result arrives before the batch start, which comes on its own port.
    const results = lines.flatMap((l) => / result (\d+)\/(?:3000|\?) from /.exec(l)?.[1] ?? []).map(Number);
    // 1-100, then 110, 120 ... 1000, then 1100 ... 3000: 210 lines for 3000 results.
    const expected = [...Array.from({ length: 100 }, (_, i) => i + 1), ...Array.from({ length: 90 }, (_, i) => 110 + 10 * i), ...Array.from({ length: 20 }, (_, i) => 1100 + 100 * i)];
    expect(results).toEqual(expected);
    expect(lines).toContainEqual(expect.stringMatching(/ \(LOG_EVERY=auto: from message 101 on, 1 message in 10 is logged; LOG_EVERY=1 logs all\)$/));
    const result = await lab.result<{ verdict: string; count: number; consumers: Record<string, unknown> }>("collector-1");
    expect(result).toMatchObject({ verdict: "PASS", count: TASKS });
    expect(Object.keys(result.consumers)).toHaveLength(2);
    expect(lines.slice(-2)).toEqual([expect.stringMatching(/ verdict: PASS, count and sum match the batch start$/), expect.stringMatching(/^RESULT /)]);
    expect(lines.length).toBeLessThan(300);
    for (const name of await lab.names("consumer")) expect((await lab.logs(name)).length, name).toBeLessThan(300);
  });
});
