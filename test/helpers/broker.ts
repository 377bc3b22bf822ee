// What the broker tests share: the full environment and readers for the roles' logs.
import { expect } from "vitest";
import type { BrokerResult } from "../../services/broker/report.js";
import type { Lab } from "./lab.js";

// Every broker variable, so a developer's .env can't change what the tests assert on.
export const base = {
  FRONTEND_BIND: "tcp://*:5570",
  BACKEND_BIND: "tcp://*:5571",
  BROKER_CONNECT: "tcp://lb-broker:5571",
  BROKER_CLIENT_CONNECT: "tcp://lb-broker:5570",
  BROKER_QUEUE_MAX: "100",
  BROKER_IDLE_MS: "1500",
  HEARTBEAT_MS: "1000",
  WORKER_ID: "",
  WORK_MS: "50",
  WORK_JITTER_MS: "0",
  SLOW_WORK_MS: "600",
  CLIENT_ID: "",
  REQUESTS: "30",
  // Far above any wait at the broker, and no retries: a lost reply fails the test instead of being papered over.
  REQ_TIMEOUT_MS: "20000",
  REQ_RETRIES: "0",
};

/** A worker container's id, from its ready line. */
export async function workerId(lab: Lab, name: string): Promise<string> {
  const line = await lab.waitForLine(name, / ready: .*id (\S+),/);
  return / ready: .*id (\S+),/.exec(line)![1]!;
}

/** The worker named in each reply a client logged, in order; the numbering must run 1..n without a gap. */
export async function repliesOf(lab: Lab, name: string, requests: number): Promise<string[]> {
  const lines = await lab.logs(name);
  const replies = lines.map((l) => /^req-client@\S+ reply (\d+)\/(\d+): Hi from worker (\S+)$/.exec(l)).filter((m) => m !== null);
  expect(replies.map((m) => Number(m[1])), `${name} reply numbers`).toEqual(Array.from({ length: requests }, (_, i) => i + 1));
  expect(lines.filter((l) => / (WARN|ERROR) /.test(l)), `${name} warnings`).toEqual([]);
  return replies.map((m) => m[3]!);
}

/** How many replies each worker id got across these clients (all of which must exit 0). */
export async function answeredBy(lab: Lab, clients: string[], requests: number): Promise<Map<string, number>> {
  expect(await Promise.all(clients.map((name) => lab.waitForExit(name, 120_000)))).toEqual(clients.map(() => 0));
  const counts = new Map<string, number>();
  for (const name of clients) for (const id of await repliesOf(lab, name, requests)) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/**
 * The broker's RESULT once it has answered `total` requests and gone idle: the broker writes it
 * when stopped, so this stops it (a clean stop exits 0).
 */
export async function brokerIdle(lab: Lab, total: number): Promise<BrokerResult> {
  await lab.waitForLine("lb-broker-1", new RegExp(` idle for \\d+ ms: answered ${total} requests`));
  expect((await lab.stop("lb-broker-1")).exitCode, "lb-broker exit code on stop").toBe(0);
  return lab.result<BrokerResult>("lb-broker-1");
}
