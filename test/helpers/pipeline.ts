// What the pipeline tests share: the full environment and readers for the roles' logs.
import { expect } from "vitest";
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
  share: string;
}

/** The collector's report table and total line, read back from its log. */
export function parseReport(lines: string[]) {
  const text = lines.map((line) => line.replace(/^collector@\S+ /, ""));
  const header = text.findIndex((line) => /^consumer\s+count\s+partial sum\s+share of total$/.test(line));
  expect(header, "report header in the collector's log").toBeGreaterThanOrEqual(0);
  const end = text.findIndex((line, i) => i > header && line.startsWith("total: "));
  // Rows only: stderr lines (the collector's ERRORs) may interleave with stdout in docker logs.
  const rows: Row[] = text.slice(header + 2, end).flatMap((line) => {
    const row = /^(\S(?:.*\S)?)\s+(\d+)\s+(-?\d+)\s+(\d+\.\d%|-)$/.exec(line);
    return row ? [{ consumer: row[1]!, count: Number(row[2]), sum: Number(row[3]), share: row[4]! }] : [];
  });
  const total = /^total: (\d+) tasks?, sum (\d+) from (\d+) consumers? \(announced (\d+) tasks?, total (\d+)\)$/.exec(text[end]!);
  expect(total, `total line: ${text[end]}`).not.toBeNull();
  const [count, sum, consumers, announcedTasks, announcedTotal] = total!.slice(1).map(Number);
  return { rows, count, sum, consumers, announcedTasks, announcedTotal };
}

/** The producer's batch start line: what it told the collector. */
export async function announced(lab: Lab) {
  const line = await lab.waitForLine("producer-1", / batch start: \d+ tasks, total \d+/);
  const [, tasks, total] = / batch start: (\d+) tasks, total (\d+)/.exec(line)!;
  return { tasks: Number(tasks), total: Number(total) };
}

/** What one consumer says it did: its host id and the numbers of the tasks it finished. */
export async function consumerWork(lab: Lab, name: string) {
  const lines = await lab.logs(name);
  const host = /^consumer@(\S+) /.exec(lines[0]!)![1]!;
  const nums = lines.flatMap((line) => /^consumer@\S+ task \d+: num (\d+) in \d+ ms$/.exec(line)?.[1] ?? []).map(Number);
  return { host, nums, lines };
}
