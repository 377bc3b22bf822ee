import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { labsPerTest } from "./helpers/labs.js";
import { announced, base, collected, consumerWork } from "./helpers/pipeline.js";

// Drill 1: `docker kill` one of three consumers mid-batch; no task may be lost.
// Sleep-mode tasks of 100 ms give each consumer about 4 s of queued work, so the kill lands mid-batch.
const env = { ...base, TASKS: "120", SEED: "7", TASK_MODE: "sleep", TASK_SLEEP_MS: "100", REDISPATCH_MS: "1000", COLLECTOR_TIMEOUT_MS: "10000" };

describe("drill: a consumer dies mid-batch", () => {
  const labs = labsPerTest();

  it("re-dispatches the dead consumer's unfinished tasks to the living ones; the totals stay exact", async () => {
    const lab = await labs.start("pipeline", { env, scale: { consumer: 3 } });
    const tasks = Number(env.TASKS);
    await lab.waitForLine("collector-1", new RegExp(` result 15/(?:${tasks}|\\?) from `));
    const killed = await lab.kill("consumer-2");
    expect(killed.exitCode).toBe(137);

    expect(await lab.waitForExit("collector-1")).toBe(0);
    const lines = await lab.logs("collector-1");
    const report = await collected(lab);
    const batch = await announced(lab);
    expect(batch).toEqual({ tasks, total: makeBatch(tasks, Number(env.SEED)).total });
    expect(report).toMatchObject({ verdict: "PASS", count: tasks, sum: batch.total, announcedTasks: tasks, announcedTotal: batch.total });
    expect(report.rows.reduce((n, row) => n + row.count, 0)).toBe(tasks);
    expect(report.rows.reduce((n, row) => n + row.sum, 0)).toBe(batch.total);

    // The report says how many tasks came again, and the producer says it sent them.
    const redispatched = report.redispatched;
    expect(redispatched).toBeGreaterThan(0);
    const producerLines = await lab.logs("producer-1");
    const rounds = producerLines.filter((line) => / WARN no result for 1000 ms \(REDISPATCH_MS\) with \d+ tasks? open; re-dispatching /.test(line));
    expect(rounds.length).toBeGreaterThan(0);
    const duplicates = report.duplicates;

    // Who did what: the dead consumer's row holds only results that reached the collector before the kill.
    const dead = await consumerWork(lab, "consumer-2");
    const deadRow = report.rows.find((row) => row.consumer === dead.host);
    const deadCount = deadRow?.count ?? 0;
    expect(deadCount).toBeLessThanOrEqual(dead.nums.length);
    expect(dead.lines).not.toContainEqual(expect.stringMatching(/ stop from the collector/));
    const figures = [`killed consumer-2 (${dead.host}): exit ${killed.exitCode}, ${dead.nums.length} tasks done before the kill, ${deadCount} counted`];

    // Results of re-dispatched tasks come from the living consumers only.
    const again = lines.flatMap((line) => / result \d+\/(?:\d+|\?) from (\S+): task \d+, num \d+ \(re-dispatched\)$/.exec(line)?.[1] ?? []);
    expect(again.length).toBeGreaterThan(0);
    expect(again).not.toContain(dead.host);

    for (const name of ["consumer-1", "consumer-3"]) {
      expect(await lab.waitForExit(name)).toBe(0);
      const work = await consumerWork(lab, name);
      const row = report.rows.find((r) => r.consumer === work.host);
      expect(row, `${name} (${work.host}) in the report`).toBeDefined();
      // Everything it did was counted once: its row, plus results the collector already had.
      const repeats = lines.filter((line) => line.includes(` duplicate of task `) && line.includes(` from ${work.host}, `)).length;
      expect(work.nums.length).toBe(row!.count + repeats);
      expect(work.lines).toContainEqual(expect.stringMatching(/ stop from the collector: batch complete$/));
      const recovered = again.filter((host) => host === work.host).length;
      figures.push(`${name} (${work.host}): exit 0, ${row!.count} tasks counted, sum ${row!.sum}, ${recovered} of them re-dispatched`);
    }
    expect(await lab.waitForExit("producer-1")).toBe(0);
    expect((await lab.result<{ redispatched: number; rounds: number }>("producer-1")).rounds).toBe(rounds.length);

    console.log(
      [
        `drill consumer-dies: ${tasks} tasks, total ${batch.total}; collector counted ${report.count}, sum ${report.sum} (exit 0)`,
        `re-dispatched: ${redispatched} tasks in ${rounds.length} round(s); ${again.length} results of re-dispatched tasks counted; ${duplicates} duplicates ignored`,
        ...figures,
      ].join("\n"),
    );
  });
});
