// A worker node of a 3-node lab swarm dies mid-batch (its container killed outright): Swarm
// reschedules its consumers on the other nodes, the producer re-dispatches what they had queued,
// and the batch still ends PASS with the exact count and sum. Opt-in (ZMQ_LAB_SWARM_NODE_LOSS=1):
// three Docker engines on two cores take longer than the CI budget allows.
import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { deploy, serviceLogs, taskLogs, tasks, waitForEnd, type Task } from "../swarm/deploy.js";
import { sh } from "../swarm/nodes.js";
import { noEnvFile } from "./helpers/lab.js";
import { base } from "./helpers/pipeline.js";
import { collectorOf, labSwarmPerFile } from "./helpers/swarm.js";

const enabled = process.env.ZMQ_LAB_SWARM_NODE_LOSS === "1";
const swarm = enabled ? labSwarmPerFile(3) : () => undefined as never;
const perNode = (list: Task[]) => list.reduce<Record<string, number>>((n, t) => ({ ...n, [t.node.replace(/^.*-node-/, "node-")]: (n[t.node.replace(/^.*-node-/, "node-")] ?? 0) + 1 }), {});

describe.skipIf(!enabled)("node loss on a 3-node lab swarm", () => {
  it("rescheduled consumers do work and the batch ends PASS with exact totals", async () => {
    const consumers = 6;
    // CONSUMERS: the batch starts once all six are connected, so every node's consumers hold tasks.
    const env = { ...base, TASKS: "600", CONSUMERS: String(consumers), TASK_MODE: "sleep", TASK_SLEEP_MS: "200", COLLECTOR_TIMEOUT_MS: "60000" };
    // Only the consumers are spread; the producer and the collector stay on the manager, node-1.
    await deploy(swarm(), "pipeline", { envFile: noEnvFile, env, replicas: { consumer: consumers }, onManager: ["producer", "collector"] });

    // Mid-batch: once the collector has counted some results. The survivors' queues then last
    // longer than Swarm takes to reschedule, so the re-dispatched tasks reach the new replicas too.
    const deadline = Date.now() + 90_000;
    while (!(await serviceLogs(swarm(), "collector")).some((line) => / result 30\/600 /.test(line))) {
      if (Date.now() > deadline) expect.fail(`no 30 results within 90 s; the producer's last lines:\n${(await serviceLogs(swarm(), "producer")).slice(-8).join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const before = (await tasks(swarm(), "consumer")).filter((t) => t.state === "running");
    // The victim: the worker node running the most consumers.
    const workers = swarm().nodes.slice(1);
    const victim = workers.sort((a, b) => before.filter((t) => t.node === b).length - before.filter((t) => t.node === a).length)[0]!;
    const lostSlots = before.filter((t) => t.node === victim).map((t) => t.slot);
    expect(lostSlots.length, `consumers on ${victim}: ${JSON.stringify(await tasks(swarm(), "consumer"))}`).toBeGreaterThan(0);
    const killedAt = Date.now();
    await sh("docker", ["kill", victim]);
    swarm().nodes.splice(swarm().nodes.indexOf(victim), 1);

    // Recovered: every lost slot runs again on a surviving node.
    let after: Task[] = [];
    for (;;) {
      after = (await tasks(swarm(), "consumer")).filter((t) => t.state === "running" && t.node !== victim);
      if (lostSlots.every((slot) => after.some((t) => t.slot === slot))) break;
      expect(Date.now() - killedAt, "rescheduled within 60 s").toBeLessThan(60_000);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const recoverS = (Date.now() - killedAt) / 1000;

    expect(await waitForEnd(swarm(), "collector", 1, 120_000)).toBe(0);
    const collector = await serviceLogs(swarm(), "collector");
    const total = makeBatch(600, Number(env.SEED)).total;
    expect(collectorOf(collector)).toMatchObject({ verdict: "PASS", count: 600, sum: total, announcedTasks: 600, announcedTotal: total });
    const redispatched = collector.flatMap((line) => /the producer re-dispatches (\d+) tasks?/.exec(line)?.[1] ?? []).map(Number);

    // The rescheduled replicas (the lost slots, now on a surviving node) did tasks.
    const rescheduled = (await taskLogs(swarm(), "consumer")).filter((t) => lostSlots.includes(t.slot) && t.node !== victim);
    const work = rescheduled.map((t) => t.lines.filter((line) => / task \d+: num \d+ in /.test(line)).length);
    console.log(
      `node loss: consumers per node before ${JSON.stringify(perNode(before))}, after ${JSON.stringify(perNode(after))}; ` +
        `lost slots ${lostSlots.join(", ")}; rescheduled in ${recoverS.toFixed(1)} s; re-dispatched ${redispatched.join(" + ") || 0} tasks; ` +
        `tasks done by rescheduled replicas ${work.join(", ")}`,
    );
    expect(redispatched.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(work.reduce((a, b) => a + b, 0), "tasks done by rescheduled consumers").toBeGreaterThan(0);
  }, 300_000);
});
