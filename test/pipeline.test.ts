import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { Lab } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { announced, base, collected, consumerWork } from "./helpers/pipeline.js";

async function checkBatch(lab: Lab, tasks: number, consumers: number) {
  expect(await lab.waitForExit("collector-1")).toBe(0);
  const report = await collected(lab);
  const batch = await announced(lab);

  // The producer's announcement is the seeded batch, and the collector got exactly it.
  expect(batch).toEqual({ tasks, total: makeBatch(tasks, Number(base.SEED)).total });
  expect(report).toMatchObject({ verdict: "PASS", announcedTasks: tasks, announcedTotal: batch.total, count: tasks, sum: batch.total, missing: 0, rejected: 0 });

  // Recomputed from the per-consumer tallies, not taken from the totals (each share of the table is unit-tested).
  expect(report.rows).toHaveLength(consumers);
  expect(report.rows.reduce((n, row) => n + row.count, 0)).toBe(tasks);
  expect(report.rows.reduce((n, row) => n + row.sum, 0)).toBe(batch.total);
  const mean = tasks / consumers;
  for (const row of report.rows) {
    expect(row.count).toBeGreaterThan(0);
    expect(row.count).toBeLessThanOrEqual(2 * mean);
  }

  // Each row is one consumer container, and matches what that container says it did.
  const names = await lab.names("consumer");
  expect(names).toHaveLength(consumers);
  for (const name of names) {
    expect(await lab.waitForExit(name)).toBe(0);
    const work = await consumerWork(lab, name);
    const row = report.rows.find((r) => r.consumer === work.host);
    expect(row, `${name} (${work.host}) in the report`).toBeDefined();
    expect(work.nums).toHaveLength(row!.count);
    expect(work.nums.reduce((a, b) => a + b, 0)).toBe(row!.sum);
    expect(work.lines).toContainEqual(expect.stringMatching(/ stop from the collector: batch complete$/));
  }
  expect(await lab.waitForExit("producer-1")).toBe(0);
  expect(await lab.logs("producer-1")).toContainEqual(expect.stringMatching(new RegExp(`consumers connected: ${consumers} of ${consumers} \\(Docker DNS`)));
  // Long queues are not silence: a healthy batch is never re-dispatched.
  expect(await lab.logs("producer-1")).not.toContainEqual(expect.stringMatching(/re-dispatching/));
  expect(await lab.result("producer-1")).toMatchObject({ sent: tasks, confirmed: tasks, redispatched: 0, consumers, ended: "stop" });
}

describe("pipeline profile", () => {
  const labs = labsPerTest();

  it("spreads a batch over 3 consumers and collects exact per-consumer sums", async () => {
    const lab = await labs.start("pipeline", { env: base, scale: { consumer: 3 } });
    await checkBatch(lab, 120, 3);
  });

  it("does the whole batch with a single consumer", async () => {
    const lab = await labs.start("pipeline", { env: { ...base, TASKS: "100" }, scale: { consumer: 1 } });
    await checkBatch(lab, 100, 1);
  });

  it("catches a batch cut short: the producer stops mid-batch, the collector exits 4 and names what is missing", async () => {
    // Paced sending keeps most tasks at the producer when it stops.
    const env = { ...base, TASKS: "100", TASK_INTERVAL_MS: "50", COLLECTOR_TIMEOUT_MS: "3000" };
    const lab = await labs.start("pipeline", { env, scale: { consumer: 2 } });
    await lab.waitForLine("collector-1", / result 10\/100 from /);
    const producer = await lab.stop("producer-1");
    expect(producer.exitCode).toBe(0);
    expect(producer.elapsedMs).toBeLessThan(2000);

    expect(await lab.waitForExit("collector-1", 15_000)).toBe(4);
    const collector = await lab.state("collector-1");
    // Silence starts at the last result, which comes right after the producer stops.
    expect(collector.finishedAt.getTime() - producer.finishedAt.getTime()).toBeLessThan(3000 + 2000);

    const lines = await lab.logs("collector-1");
    const report = await collected(lab);
    const counted = report.rows.reduce((n, row) => n + row.count, 0);
    const summed = report.rows.reduce((n, row) => n + row.sum, 0);
    expect(counted).toBeGreaterThanOrEqual(10);
    expect(counted).toBeLessThan(100);
    expect(report).toMatchObject({ verdict: "FAIL", ended: "timeout", count: counted, sum: summed, announcedTasks: 100, announcedTotal: makeBatch(100, 7).total });
    expect(lines).toContainEqual(expect.stringMatching(/ ERROR nothing new for 3000 ms \(COLLECTOR_TIMEOUT_MS\)/));
    // The missing tasks by id: exactly the ones no consumer's result carried.
    expect(report.missing).toBe(100 - counted);
    expect(report.missingTasks).toHaveLength(100 - counted);
    expect(report.problems[0]).toMatch(new RegExp(`^missing ${100 - counted} of 100 results: tasks \\d+`));
    if (summed !== report.announcedTotal) expect(report.problems).toContain(`sum ${summed} differs from the announced total ${report.announcedTotal}`);
    // The problems are logged for people too, the verdict ends their report, and RESULT comes last.
    for (const problem of report.problems) expect(lines.some((line) => line.endsWith(` ERROR ${problem}`)), problem).toBe(true);
    expect(lines.slice(-2)).toEqual([expect.stringMatching(/ verdict: FAIL$/), expect.stringMatching(/^RESULT /)]);

    // The consumers hear that the batch is over and stop cleanly.
    for (const name of await lab.names("consumer")) {
      expect(await lab.waitForExit(name)).toBe(0);
      expect(await lab.logs(name)).toContainEqual(expect.stringMatching(/ stop from the collector: batch failed$/));
    }
  });
});
