import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { labsPerTest } from "./helpers/labs.js";
import { announced, base, collected, consumerWork } from "./helpers/pipeline.js";

// Drill: `docker kill` the collector mid-batch. Started again, it learns the batch from the producer
// (the batch start comes again on every new connection to its batch port) and finishes it exactly;
// never started again, producer and consumers give up after COLLECTOR_LOST_MS with exit 3.
// Sleep-mode tasks of 100 ms on 3 consumers make a batch of about 4 s, so the kill lands mid-batch.
const TASKS = 120;
const env = { ...base, TASKS: String(TASKS), TASK_MODE: "sleep", TASK_SLEEP_MS: "100", REDISPATCH_MS: "1000", COLLECTOR_TIMEOUT_MS: "15000" };
const total = makeBatch(TASKS, Number(env.SEED)).total;

describe("drill: the collector dies mid-batch", () => {
  const labs = labsPerTest();

  it("a restarted collector gets the batch start again and counts every task exactly once", async () => {
    const lab = await labs.start("pipeline", { env, scale: { consumer: 3 } });
    await lab.waitForLine("collector-1", new RegExp(` result 30/(?:${TASKS}|\\?) from `));
    expect((await lab.kill("collector-1")).exitCode).toBe(137);
    const before = (await lab.logs("collector-1")).filter((line) => / result \d+\/(?:\d+|\?) from /.test(line)).length;
    await lab.restart("collector-1");

    expect(await lab.waitForExit("collector-1")).toBe(0);
    const lines = await lab.logs("collector-1");
    const second = lines.slice(lines.findLastIndex((line) => / ready: /.test(line)));
    // The second run heard the batch from the producer, under the producer's second connection.
    expect(second).toContainEqual(expect.stringMatching(new RegExp(` batch start: ${TASKS} tasks, total ${total} \\(epoch 2\\)$`)));
    expect(await lab.logs("producer-1")).toContainEqual(expect.stringMatching(/ a collector connected again on tcp:\/\/\S+:5560 \(epoch 2\); re-sending the batch start/));

    // Exact: every task once, the table adding up to the batch; repeats were dropped, not counted.
    const report = await collected(lab);
    expect(await announced(lab)).toEqual({ tasks: TASKS, total });
    expect(report).toMatchObject({ verdict: "PASS", count: TASKS, sum: total, announcedTasks: TASKS, announcedTotal: total, rejected: 0 });
    expect(report.rows.reduce((n, row) => n + row.count, 0)).toBe(TASKS);
    expect(report.rows.reduce((n, row) => n + row.sum, 0)).toBe(total);
    const duplicates = report.duplicates;
    expect(duplicates).toBe(second.filter((line) => / duplicate of task \d+ from /.test(line)).length);

    // The work lost with the first collector was done again: the consumers did more than the batch.
    let done = 0;
    for (const name of await lab.names("consumer")) {
      expect(await lab.waitForExit(name)).toBe(0);
      const work = await consumerWork(lab, name);
      expect(work.lines).toContainEqual(expect.stringMatching(/ stop from the collector: batch complete$/));
      done += work.nums.length;
    }
    expect(done).toBeGreaterThanOrEqual(TASKS + before);
    expect(await lab.waitForExit("producer-1")).toBe(0);
    console.log(`drill collector restart: killed after ${before} results; the restarted collector counted ${report.count}, sum ${report.sum} of ${total} (PASS), ${duplicates} duplicates dropped; consumers did ${done} tasks in all`);
  });

  it("without a collector, producer and consumers give up after COLLECTOR_LOST_MS, naming what is left", async () => {
    const lab = await labs.start("pipeline", { env: { ...env, COLLECTOR_LOST_MS: "3000" }, scale: { consumer: 2 } });
    await lab.waitForLine("collector-1", new RegExp(` result 30/(?:${TASKS}|\\?) from `));
    const killed = await lab.kill("collector-1");
    const counted = (await lab.logs("collector-1")).filter((line) => / result \d+\/(?:\d+|\?) from /.test(line)).length;

    expect(await lab.waitForExit("producer-1")).toBe(3);
    const producer = await lab.state("producer-1");
    // Not before COLLECTOR_LOST_MS: the clock starts when the connection goes.
    expect(producer.finishedAt.getTime() - killed.finishedAt.getTime()).toBeGreaterThanOrEqual(2900);
    const line = (await lab.logs("producer-1")).find((l) => / ERROR no collector on tcp:\/\/collector:5560 for 3000 ms \(COLLECTOR_LOST_MS\); giving up with \d+ of 120 tasks unconfirmed$/.test(l));
    expect(line, "the producer's give-up line").toBeDefined();
    // Only what the collector confirmed is closed: at most what it counted.
    const open = Number(/ giving up with (\d+) of /.exec(line!)![1]);
    expect(open).toBeGreaterThanOrEqual(TASKS - counted);
    expect(open).toBeLessThan(TASKS);

    for (const name of await lab.names("consumer")) {
      expect(await lab.waitForExit(name)).toBe(3);
      const lines = await lab.logs(name);
      expect(lines).toContainEqual(expect.stringMatching(/ ERROR no collector on tcp:\/\/collector:5558 for 3000 ms \(COLLECTOR_LOST_MS\); giving up with \d+ results? it may never have got$/));
      expect(lines).not.toContainEqual(expect.stringMatching(/ stop from the collector/));
    }
    console.log(`drill collector lost: killed after ${counted} results; producer exit 3 with ${open} of ${TASKS} tasks unconfirmed, consumers exit 3`);
  });
});
