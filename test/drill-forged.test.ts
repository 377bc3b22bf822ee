// Drill (#19): a peer on the lab's network pushes well-formed lies to the collector. Exactly one
// batch start counts, batch sizes, nums and task ids are bounded, duplicates are dropped, unknown
// consumer ids beyond a cap share one row, and lies never keep a stuck batch alive.
import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import type { Lab } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { base, collected } from "./helpers/pipeline.js";

/** Pushes INTRUDER_SEND's lines `count` times to `target` from a one-off container on the lab's network. */
async function forge(lab: Lab, target: string, lines: string[], count = 1, intervalMs = 0): Promise<string[]> {
  const env = { INTRUDER_TARGET: target, INTRUDER_SOCKET: "push", INTRUDER_ACTION: "forge", INTRUDER_WAIT_MS: "2000" };
  const run = await lab.run(["node", "dist/intruder/intruder.js"], { ...env, INTRUDER_SEND: lines.join("\n"), INTRUDER_COUNT: String(count), INTRUDER_INTERVAL_MS: String(intervalMs) });
  expect(run.exitCode, run.lines.join("\n")).toBe(0);
  return run.lines;
}

describe("drill: forged messages to the collector", () => {
  const labs = labsPerTest();

  it("one batch start, bounded numbers, no duplicates, a capped set of consumer rows", async () => {
    // The collector alone: producer and consumers scaled to none, so every message it gets is ours.
    const lab = await labs.start("pipeline", { env: base, services: ["collector"], scale: { producer: 0, consumer: 0 } });
    // The audit's crash (an array of 2^53 tasks), the real start, then the audit's early end (1 task).
    await forge(lab, "tcp://collector:5560", [
      '{"batch":{"tasks":9007199254740991,"total":0},"epoch":1}',
      '{"batch":{"tasks":300,"total":0},"epoch":1}',
      '{"batch":{"tasks":1,"total":0},"epoch":1}',
    ]);
    // Out of bounds: a negative num, a num over 10, a task id outside the batch.
    await forge(lab, "tcp://collector:5558", ['{"consumer":"liar","num":-5,"task":1}', '{"consumer":"liar","num":11,"task":2}', '{"consumer":"liar","num":0,"task":300}']);
    // 299 results from 299 consumer ids, a repeat of task 0, then the last result.
    await forge(lab, "tcp://collector:5558", ['{"consumer":"c{i}","num":0,"task":{i}}'], 299);
    await forge(lab, "tcp://collector:5558", ['{"consumer":"c0","num":9,"task":0}', '{"consumer":"c299","num":0,"task":299}']);

    expect(await lab.waitForExit("collector-1")).toBe(0);
    const report = await collected(lab);
    expect(report).toMatchObject({ verdict: "PASS", announced: { tasks: 300, total: 0 }, count: 300, sum: 0, batchesRejected: 1, rejected: 4, duplicates: 1 });
    // 255 ids get their own row; the other 45 share one.
    expect(report.consumers).toBe(256);
    expect(report.rows.find((row) => row.consumer === "(more)")).toEqual({ consumer: "(more)", count: 45, sum: 0 });
  });

  it("lies don't keep a stuck batch alive: exit 4 after COLLECTOR_TIMEOUT_MS, naming the missing tasks", async () => {
    const env = { ...base, TASKS: "100", TASK_INTERVAL_MS: "50", COLLECTOR_TIMEOUT_MS: "3000" };
    const lab = await labs.start("pipeline", { env, scale: { consumer: 2 } });
    await lab.waitForLine("collector-1", / result 10\/(?:100|\?) from /);
    // The audit's forged batch start mid-batch: it ended a 400-task batch at 31 results.
    await forge(lab, "tcp://collector:5560", ['{"batch":{"tasks":1,"total":0},"epoch":1}']);
    const producer = await lab.stop("producer-1");
    // 50 rejected results over 5 s, past the 3 s timeout; the intruder stops once no one takes them.
    const flood = forge(lab, "tcp://collector:5558", ['{"consumer":"liar","num":99,"task":{i}}'], 50, 100);

    expect(await lab.waitForExit("collector-1", 15_000)).toBe(4);
    const collector = await lab.state("collector-1");
    // Silence starts at the last real result, right after the producer stops; the flood changes nothing.
    expect(collector.finishedAt.getTime() - producer.finishedAt.getTime()).toBeLessThan(3000 + 2000);
    await flood;
    const report = await collected(lab);
    expect(report).toMatchObject({ verdict: "FAIL", ended: "timeout", announced: { tasks: 100, total: makeBatch(100, 7).total }, batchesRejected: 1 });
    expect(report.rejected).toBeGreaterThan(0);
    expect(report.count).toBeLessThan(100);
    expect(report.missing).toBe(100 - report.count);
    expect(report.missingTasks).toHaveLength(100 - report.count);
    expect(report.problems[0]).toMatch(new RegExp(`^missing ${100 - report.count} of 100 results: tasks \\d+`));
  });
});
