// The lesson of the broker: a worker that joins mid-run gets work at once, because the broker
// hands a request only to a worker that asked. PUSH deals every task out ahead, so a consumer that
// joins late gets only what is re-dispatched. Same scenario on both: 2 workers, scale to 4, kill one.
import { describe, expect, it } from "vitest";
import { answeredBy, base as brokerBase, brokerIdle, workerId } from "./helpers/broker.js";
import { labsPerTest } from "./helpers/labs.js";
import { collected, consumerWork, base as pipelineBase } from "./helpers/pipeline.js";

const shares: Record<string, number> = {};

describe("elastic scaling: broker vs pipeline", () => {
  const labs = labsPerTest();

  it("broker: the 2 late workers serve at least 30 % and every request is answered once", async () => {
    const env = { ...brokerBase, WORK_MS: "100", REQUESTS: "60", HEARTBEAT_MS: "500" };
    const lab = await labs.start("broker", { env, scale: { "broker-client": 3, "broker-worker": 2 } });
    await lab.waitForLine("broker-client-1", / reply 1\//);
    await lab.scale("broker-worker", 4);
    const late = await Promise.all(["broker-worker-3", "broker-worker-4"].map((name) => workerId(lab, name)));
    await lab.kill("broker-worker-1");

    const total = 3 * Number(env.REQUESTS);
    const byReply = await answeredBy(lab, ["broker-client-1", "broker-client-2", "broker-client-3"], Number(env.REQUESTS));
    const result = await brokerIdle(lab, total);
    expect(result).toMatchObject({ answered: total, purged: 1 });
    expect(new Map(Object.entries(result.workers))).toEqual(byReply);
    shares.broker = late.reduce((n, id) => n + (byReply.get(id) ?? 0), 0) / total;
    console.log(`broker: late workers served ${(100 * shares.broker).toFixed(1)} % of ${total}`);
    expect(shares.broker).toBeGreaterThanOrEqual(0.3);
  });

  it("pipeline: the same moves leave the late consumers a smaller share (PUSH dealt the batch out before they came)", async () => {
    const tasks = 600;
    const env = { ...pipelineBase, TASKS: String(tasks), TASK_MODE: "sleep", TASK_SLEEP_MS: "20" };
    const lab = await labs.start("pipeline", { env, scale: { consumer: 2 } });
    await lab.waitForLine("collector-1", / result \d+\/\S+ from /);
    await lab.scale("consumer", 4);
    await Promise.all(["consumer-3", "consumer-4"].map((name) => lab.waitForLine(name, / ready: /)));
    await lab.kill("consumer-1");

    expect(await lab.waitForExit("collector-1", 90_000)).toBe(0);
    const report = await collected(lab);
    expect(report.count).toBe(tasks);
    const late = await Promise.all(["consumer-3", "consumer-4"].map(async (name) => (await consumerWork(lab, name)).host));
    const served = report.rows.filter((row) => late.includes(row.consumer)).reduce((n, row) => n + row.count, 0);
    shares.pipeline = served / tasks;
    console.log(`pipeline: late consumers did ${(100 * shares.pipeline).toFixed(1)} % of ${tasks}`);
    expect(shares.broker, "the broker test ran first").toBeDefined();
    expect(shares.pipeline).toBeLessThan(shares.broker!);
  });
});
