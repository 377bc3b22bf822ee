// Worker nodes of a 3-node lab swarm lost mid-batch, one batch each on the same swarm: first a
// worker's dockerd is stopped (SIGTERM: its consumers stop cleanly), then the other worker's
// container is killed outright. Each time Swarm reschedules the lost consumers on the surviving
// nodes, the producer re-dispatches what they held, the rescheduled replicas do some of it, and
// the batch ends PASS with the exact count and sum.
import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { deploy, liveLogs, removeStack, serviceLogs, taskLogs, tasks, waitForEnd, type Task } from "../swarm/deploy.js";
import { sh } from "../swarm/nodes.js";
import { noEnvFile } from "./helpers/lab.js";
import { base } from "./helpers/pipeline.js";
import { collectorOf, labSwarmPerFile } from "./helpers/swarm.js";

const swarm = labSwarmPerFile(3);
const consumers = 6;
const TASKS = 480;
// CONSUMERS: the batch starts once all six are connected, so each holds 80 tasks of 200 ms (16 s).
// A lost consumer's tasks are re-sent once no result came for REDISPATCH_MS after the survivors
// are done, about 26 s after the loss: the rescheduled replicas, up by then, get their share.
const env = { ...base, TASKS: String(TASKS), CONSUMERS: String(consumers), TASK_MODE: "sleep", TASK_SLEEP_MS: "200", REDISPATCH_MS: "12000", COLLECTOR_TIMEOUT_MS: "60000" };
const total = makeBatch(TASKS, Number(env.SEED)).total;

const short = (node: string) => node.replace(/^.*-node-/, "node-");
const count = (keys: string[]) => keys.reduce<Record<string, number>>((n, key) => ({ ...n, [key]: (n[key] ?? 0) + 1 }), {});
/** The latest task of each slot on a node still in the swarm. */
const latest = (list: Task[]) => new Map(list.filter((t) => swarm().nodes.includes(t.node)).map((t) => [t.slot, t]));
const slotOf = (line: string) => Number(/ result \d+\/\d+ from consumer-(\d+):/.exec(line)?.[1] ?? NaN);

/**
 * One batch on the nodes left; once the collector has 30 results, the worker running the most
 * consumers is lost (`kind`). Returns what the test asserts and prints.
 */
async function batchLosingANode(kind: "stop" | "kill") {
  await deploy(swarm(), "pipeline", { envFile: noEnvFile, env, replicas: { consumer: consumers }, onManager: ["producer", "collector"] });
  const deadline = Date.now() + 90_000;
  while (!(await liveLogs(swarm(), "collector")).some((line) => new RegExp(` result 30/${TASKS} `).test(line))) {
    if (Date.now() > deadline) expect.fail(`no 30 results within 90 s; the producer's last lines:\n${(await serviceLogs(swarm(), "producer")).slice(-8).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const placed = [...latest(await tasks(swarm(), "consumer")).values()].filter((t) => t.state === "running");
  const workers = swarm().nodes.slice(1);
  const victim = workers.sort((a, b) => placed.filter((t) => t.node === b).length - placed.filter((t) => t.node === a).length)[0]!;
  const lostSlots = placed.filter((t) => t.node === victim).map((t) => t.slot);
  expect(lostSlots.length, `consumers on ${victim}: ${JSON.stringify(placed)}`).toBeGreaterThan(0);
  const counted = (await liveLogs(swarm(), "collector")).filter((line) => !Number.isNaN(slotOf(line))).length;

  // stop: SIGTERM to the node's dockerd (its PID 1), which stops its containers and exits 0;
  // kill: SIGKILL to the whole node, nothing on it says goodbye.
  const struck = Date.now();
  await sh("docker", kind === "stop" ? ["stop", "-t", "60", victim] : ["kill", victim], { timeoutMs: 90_000 });
  const exitCode = Number((await sh("docker", ["inspect", "-f", "{{.State.ExitCode}}", victim])).trim());
  swarm().nodes.splice(swarm().nodes.indexOf(victim), 1);

  // Recovered: every lost slot runs again on a surviving node, since the time Swarm recorded.
  let after = new Map<number, Task>();
  for (;;) {
    after = latest(await tasks(swarm(), "consumer"));
    if (lostSlots.every((slot) => after.get(slot)?.state === "running")) break;
    expect(Date.now() - struck, `slots ${lostSlots.join(", ")} rescheduled within 60 s`).toBeLessThan(60_000);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const recoverS = (Math.max(...lostSlots.map((slot) => Date.parse(after.get(slot)!.since))) - struck) / 1000;

  expect(await waitForEnd(swarm(), "collector", 1, 150_000)).toBe(0);
  const collector = await serviceLogs(swarm(), "collector");
  const redispatched = collector.flatMap((line) => /the producer re-dispatches (\d+) tasks?/.exec(line)?.[1] ?? []).map(Number);
  // The rescheduled replicas: the lost slots' containers on the surviving nodes.
  const rescheduled = (await taskLogs(swarm(), "consumer")).filter((t) => lostSlots.includes(t.slot));
  // Results per node, as the collector counted them: before the strike by where each slot ran
  // then, after it by where it runs now.
  const results = collector.map(slotOf).filter((slot) => !Number.isNaN(slot));
  const perNode = (slots: number[], nodes: Map<number, Task>) => count(slots.map((slot) => short(nodes.get(slot)?.node ?? "?")));
  return {
    kind,
    victim: short(victim),
    exitCode,
    lostSlots,
    recoverS,
    report: collectorOf(collector),
    redispatched: redispatched.reduce((a, b) => a + b, 0),
    work: lostSlots.map((slot) => {
      const mine = rescheduled.filter((t) => t.slot === slot);
      return { slot, nodes: mine.map((t) => short(t.node)), tasks: mine.flatMap((t) => t.lines.filter((line) => / task \d+: num \d+ in /.test(line))).length };
    }),
    consumersBefore: count(placed.map((t) => short(t.node))),
    consumersAfter: count([...after.values()].map((t) => short(t.node))),
    resultsBefore: perNode(results.slice(0, counted), new Map(placed.map((t) => [t.slot, t]))),
    resultsAfter: perNode(results.slice(counted), after),
  };
}

type Loss = Awaited<ReturnType<typeof batchLosingANode>>;

function check(loss: Loss, exitCode: number) {
  const text = JSON.stringify(loss.work);
  console.log(
    `node loss (${loss.kind} ${loss.victim}, exit code ${loss.exitCode}): consumers per node before ${JSON.stringify(loss.consumersBefore)}, ` +
      `after ${JSON.stringify(loss.consumersAfter)}; results per node before ${JSON.stringify(loss.resultsBefore)}, after ${JSON.stringify(loss.resultsAfter)}; ` +
      `lost slots ${loss.lostSlots.join(", ")}, running again after ${loss.recoverS.toFixed(1)} s; re-dispatched ${loss.redispatched} tasks; ` +
      `tasks done by the rescheduled replicas ${text}`,
  );
  expect(loss.exitCode, `${loss.victim}'s exit code`).toBe(exitCode);
  expect(loss.report).toMatchObject({ verdict: "PASS", count: TASKS, sum: total, announcedTasks: TASKS, announcedTotal: total });
  expect(loss.redispatched, "tasks re-dispatched").toBeGreaterThan(0);
  // Every lost slot came back on a surviving node, and did tasks there.
  for (const w of loss.work) expect(w.tasks, `consumer-${w.slot} rescheduled on ${w.nodes.join(", ") || "no node"}: tasks done`).toBeGreaterThan(0);
}

describe("node loss on a 3-node lab swarm", () => {
  it("a worker's dockerd stopped mid-batch: its consumers rescheduled do work, PASS with exact totals", async () => {
    const loss = await batchLosingANode("stop");
    // dockerd exits 0 on SIGTERM, after stopping its containers.
    check(loss, 0);
    await removeStack(swarm());
  }, 150_000);

  it("a worker node killed outright mid-batch: its consumers rescheduled do work, PASS with exact totals", async () => {
    const loss = await batchLosingANode("kill");
    check(loss, 137);
  }, 150_000);
});
