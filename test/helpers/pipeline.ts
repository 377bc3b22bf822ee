// What the pipeline tests share: the full environment and readers for the roles' logs.
import type { CollectorResult } from "../../services/pipeline/report.js";
import type { Lab } from "./lab.js";

// Every pipeline variable, so a developer's .env can't change what the tests assert on.
export const base = {
  PRODUCER_BIND: "tcp://*:5557",
  PRODUCER_CONNECT: "tcp://producer:5557",
  COLLECTOR_BIND: "tcp://*:5558",
  COLLECTOR_CONNECT: "tcp://collector:5558",
  CONTROL_BIND: "tcp://*:5559",
  CONTROL_CONNECT: "tcp://collector:5559",
  BATCH_BIND: "tcp://*:5560",
  BATCH_CONNECT: "tcp://collector:5560",
  TASKS: "120",
  SEED: "7",
  // 0: the producer counts the consumer replicas through Docker's DNS.
  CONSUMERS: "0",
  CONSUMER_SERVICE: "consumer",
  CONSUMER_ID: "",
  CONSUMERS_WAIT_MS: "20000",
  TASK_INTERVAL_MS: "0",
  REDISPATCH_MS: "2000",
  TASK_MODE: "cpu",
  TASK_COST: "1000",
  TASK_SLEEP_MS: "20",
  COLLECTOR_TIMEOUT_MS: "20000",
  COLLECTOR_LOST_MS: "30000",
  // Every result and task line, past the 100 that LOG_EVERY=auto shows in full: the tests count them.
  LOG_EVERY: "1",
};

export interface Row {
  consumer: string;
  count: number;
  sum: number;
}

/** The collector's RESULT, its per-consumer tallies as rows (ordered by id) and `consumers` their number. */
export async function collected(lab: Lab, name = "collector-1") {
  return collectorReport(await lab.result<CollectorResult>(name));
}

/** A collector's RESULT (from a Lab or a lab swarm's logs) as `collected` returns it. */
export function collectorReport(result: CollectorResult) {
  const rows: Row[] = Object.entries(result.consumers).map(([consumer, { count, sum }]) => ({ consumer, count, sum }));
  return { ...result, consumers: rows.length, rows, announcedTasks: result.announced?.tasks, announcedTotal: result.announced?.total };
}

/** What the producer told the collector: its RESULT's batch size and total, once it has exited. */
export async function announced(lab: Lab) {
  await lab.waitForExit("producer-1");
  const { tasks, total } = await lab.result<{ tasks: number; total: number }>("producer-1");
  return { tasks, total };
}

/** What one consumer says it did: its id (its log prefix names the replica) and the numbers of the tasks it finished. */
export async function consumerWork(lab: Lab, name: string) {
  const lines = await lab.logs(name);
  const host = /^consumer@(\S+) /.exec(lines[0]!)![1]!;
  const nums = lines.flatMap((line) => /^consumer@\S+ task \d+: num (\d+) in \d+ ms$/.exec(line)?.[1] ?? []).map(Number);
  return { host, nums, lines };
}
