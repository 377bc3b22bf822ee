import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { chaosPerTest, firstAfter } from "./helpers/chaos.js";
import type { Lab } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { announced, base, collected } from "./helpers/pipeline.js";

// Network drills on the pipeline: a consumer cut off without a FIN (a partition: its packets
// dropped both ways for 5 s mid-batch), with and without heartbeats, and 10 % random loss on the
// collector's inbound. Sleep-mode tasks of 100 ms: 90 tasks on 3 consumers are about 3 s of work.
const env = { ...base, TASKS: "90", SEED: "11", TASK_MODE: "sleep", TASK_SLEEP_MS: "100", REDISPATCH_MS: "1000", COLLECTOR_TIMEOUT_MS: "15000" };
const tasks = Number(env.TASKS);
const total = makeBatch(tasks, Number(env.SEED)).total;
const PARTITION_MS = 5000;

/** The batch ended PASS and exact: every task once, the announced total. */
async function expectExact(lab: Lab) {
  expect(await lab.waitForExit("collector-1", 60_000)).toBe(0);
  const report = await collected(lab);
  expect(report).toMatchObject({ verdict: "PASS", count: tasks, sum: total, announcedTasks: tasks, announcedTotal: total });
  return { redispatched: report.redispatched };
}

describe("drill: network faults on the pipeline", () => {
  const labs = labsPerTest();
  const chaos = chaosPerTest();

  for (const heartbeat of [1000, 0]) {
    it(`a consumer partitioned for 5 s mid-batch, HEARTBEAT_MS=${heartbeat}: the batch ends PASS, exact`, async () => {
      const lab = await labs.start("pipeline", { env: { ...env, HEARTBEAT_MS: String(heartbeat) }, scale: { consumer: 3 } });
      const faults = chaos.on(lab);
      const tail = async (name: string) => `${name}:\n  ${(await lab.logs(name)).slice(-12).join("\n  ")}`;
      const explain = async (err: Error) => {
        throw new Error(`${err.message}\n${await tail("producer-1")}\n${await tail("collector-1")}\n${await tail("consumer-2")}`);
      };
      // "10/?" when results overtake the batch start, as they may under load.
      await lab.waitForLine("collector-1", new RegExp(` result 10/(?:${tasks}|\\?) from `), 45_000).catch(explain);
      // Times run from when the sidecar is done: its rules are in place by then.
      await faults.partition("consumer-2").catch(explain);
      const cutAt = Date.now();
      // The producer's PUSH socket logs each peer it loses: a heartbeat timeout, with them on.
      const noticed = firstAfter(lab, "producer-1", / WARN lost tcp:/, cutAt, PARTITION_MS).catch(() => undefined);
      const detectedMs = await noticed;
      const remaining = cutAt + PARTITION_MS - Date.now();
      if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining)); // the fault's length, not a readiness wait
      await faults.heal("consumer-2");
      expect([...(await faults.rules("consumer-2")).values()].flat()).toEqual([]);
      const { redispatched } = await expectExact(lab);
      if (heartbeat > 0) {
        expect(detectedMs, "the producer noticed the partition").toBeDefined();
        expect(detectedMs!).toBeLessThanOrEqual(3 * heartbeat + 1000);
      }
      const seen = detectedMs === undefined ? `not noticed within the ${PARTITION_MS / 1000} s partition` : `noticed after ${(detectedMs / 1000).toFixed(2)} s`;
      console.log(`drill partition consumer-2 (HEARTBEAT_MS=${heartbeat}): producer ${seen}; ${redispatched} tasks re-dispatched; collector PASS ${tasks} tasks, sum ${total}`);
    });
  }

  it("10 % random loss on the collector's inbound: PASS, exact; elapsed against a run without loss", async () => {
    // Both labs at once, so both see the same load on the machine: the ratio is the loss's doing.
    const elapsed = await Promise.all(
      [0, 10].map(async (loss) => {
        const lab = await labs.start("pipeline", { env, scale: { consumer: 3 } });
        if (loss > 0) await chaos.on(lab).loss("collector", loss);
        await announced(lab);
        const started = (await lab.timedLogs("producer-1")).find(({ line }) => / batch start: /.test(line))!.at.getTime();
        await expectExact(lab);
        return (await lab.state("collector-1")).finishedAt.getTime() - started;
      }),
    );
    const [clean, lossy] = elapsed as [number, number];
    console.log(`drill loss: collector inbound 10 % loss: ${(lossy / 1000).toFixed(2)} s against ${(clean / 1000).toFixed(2)} s without, ratio ${(lossy / clean).toFixed(2)}; both PASS, ${tasks} tasks, sum ${total}`);
  });
});
