// What the swarm tests share: a lab swarm that ends with its test file, and readers for the
// roles' logs gathered from the task containers.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { CollectorResult } from "../../services/pipeline/report.js";
import { resultOf } from "../../services/runtime/log.js";
import type { TaskLog } from "../../swarm/deploy.js";
import { ensureNodeImage, LabSwarm } from "../../swarm/nodes.js";
import { roleImage } from "./lab.js";
import { collectorReport } from "./pipeline.js";

/** A lab swarm of `nodes` nodes for the calling test file, removed after it even when a test fails. */
export function labSwarmPerFile(nodes: number): () => LabSwarm {
  const name = `test-${randomUUID().slice(0, 8)}`;
  let swarm: LabSwarm | undefined;
  beforeAll(async () => {
    await ensureNodeImage();
    swarm = await LabSwarm.create(name, nodes, roleImage, (line) => console.log(`lab swarm ${name}: ${line}`));
  }, 240_000);
  afterAll(() => LabSwarm.remove(name), 60_000);
  return () => swarm!;
}

/** Each rep-server replica's RESULT, written when it was stopped: replica → client id → requests answered. */
export function serverTables(tasks: TaskLog[]): Map<string, Map<string, number>> {
  return new Map(
    tasks.map((task) => {
      const result = resultOf(task.lines) as { replica: string; clients: Record<string, number> } | undefined;
      if (!result) throw new Error(`rep-server slot ${task.slot} on ${task.node}: no RESULT line`);
      return [result.replica, new Map(Object.entries(result.clients))];
    }),
  );
}

/** The collector's RESULT in its log lines, as the pipeline tests' `collected` gives it. */
export function collectorOf(lines: string[]) {
  const result = resultOf(lines);
  if (!result) throw new Error("no RESULT line in the collector's log");
  return collectorReport(result as unknown as CollectorResult);
}
