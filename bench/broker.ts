// The broker's part of `npm run bench`: REQ/REP round trips through lb-broker beside direct ones,
// and one batch with a slow worker through the pipeline (PUSH round robin) and through the broker.
import type { LatencyResult } from "../services/bench/wire.js";
import type { BrokerBench, Latency } from "./figures.js";
import { benchProject, finished, serviceResults } from "./projects.js";

/** The same slow-worker batch on both: 4 workers, one of them 5× slower. */
const BATCH = { tasks: 200, fastMs: 20, slowMs: 100, fast: 3, clients: 8 };

/** bench-pinger's round trips through lb-broker and one broker-worker that does no work. */
export async function brokerLatency(rounds: string): Promise<Latency> {
  const env = { BENCH_PING_CONNECT: "tcp://lb-broker:5570", BENCH_ROUNDS: rounds, BENCH_RUN_MS: "30000", WORK_MS: "0" };
  await using project = await benchProject("broker-rt", "broker,bench", env);
  await project.up(["lb-broker", "broker-worker"], { "broker-worker": 1 });
  await project.waitForLine("lb-broker-1", / worker \S+ ready /, 30_000);
  await project.up(["bench-pinger"]);
  await finished(project, "bench-pinger", 90_000);
  const result = (await serviceResults(project, "bench-pinger")).find((r) => r.kind === "latency") as LatencyResult | undefined;
  if (!result) throw new Error("bench-pinger through lb-broker reported no latency");
  const { kind: _, ...rest } = result;
  return { path: "containers", ...rest };
}

/** Pipeline: from the collector's batch start to its PASS verdict. */
async function pipelineMakespan(): Promise<number> {
  const env = {
    TASKS: String(BATCH.tasks),
    SEED: "7",
    TASK_MODE: "sleep",
    TASK_SLEEP_MS: String(BATCH.fastMs),
    SLOW_TASK_SLEEP_MS: String(BATCH.slowMs),
    CONSUMERS: String(BATCH.fast + 1),
    TASK_INTERVAL_MS: "0",
  };
  await using project = await benchProject("makespan-pipeline", "pipeline", env);
  await project.up([], { consumer: BATCH.fast, "slow-consumer": 1 });
  await finished(project, "collector", 120_000);
  const logs = await project.serviceLogs("collector");
  const at = (pattern: RegExp) => logs.find(({ line }) => pattern.test(line))?.at.getTime();
  const [start, verdict] = [at(/ batch start: /), at(/ verdict: PASS/)];
  if (start === undefined || verdict === undefined) throw new Error("pipeline makespan: no batch start or no PASS verdict");
  return (verdict - start) / 1000;
}

/**
 * Broker: the clients start first, so every one has its first request waiting at the broker (8
 * containers take seconds to start on a small machine), then the workers. From the first request a
 * worker takes to the last one it answers; a worker that starts late still counts against the broker.
 */
async function brokerMakespan(): Promise<number> {
  const perClient = BATCH.tasks / BATCH.clients;
  const env = { WORK_MS: String(BATCH.fastMs), SLOW_WORK_MS: String(BATCH.slowMs), REQUESTS: String(perClient), REQ_TIMEOUT_MS: "60000", BROKER_QUEUE_MAX: "1000" };
  await using project = await benchProject("makespan-broker", "broker", env);
  const workers = ["broker-worker", "slow-worker"];
  await project.up(["lb-broker", "broker-client"], { "broker-client": BATCH.clients });
  for (const name of await project.names("broker-client")) await project.waitForLine(name, / ready: /, 60_000);
  await project.up(workers, { "broker-worker": BATCH.fast, "slow-worker": 1 });
  await finished(project, "broker-client", 120_000);
  const logs = (await Promise.all(workers.map((service) => project.serviceLogs(service)))).flat();
  const times = (pattern: RegExp) => logs.filter(({ line }) => pattern.test(line)).map(({ at }) => at.getTime());
  const first = Math.min(...times(/ working on request \d+$/));
  const served = times(/ served request \d+ in /);
  if (served.length < BATCH.tasks) throw new Error(`broker makespan: ${served.length} of ${BATCH.tasks} requests served`);
  return (Math.max(...served) - first) / 1000;
}

export async function makespans(): Promise<BrokerBench["makespan"]> {
  return { ...BATCH, pipelineSeconds: await pipelineMakespan(), brokerSeconds: await brokerMakespan() };
}
