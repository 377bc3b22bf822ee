// What the swarm tests share: a lab swarm that ends with its test file, and readers for the
// roles' logs gathered from the task containers.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { CollectorResult } from "../../services/pipeline/report.js";
import { resultOf } from "../../services/runtime/log.js";
import { ensureNodeImage, LabSwarm } from "../../swarm/nodes.js";
import { roleImage } from "./lab.js";
import { collectorReport } from "./pipeline.js";

/** A lab swarm of `nodes` nodes for the calling test file, removed after it even when a test fails. */
export function labSwarmPerFile(nodes: number): () => LabSwarm {
  const name = `test-${randomUUID().slice(0, 8)}`;
  let swarm: LabSwarm | undefined;
  beforeAll(async () => {
    await ensureNodeImage();
    swarm = await LabSwarm.create(name, nodes, roleImage);
  }, 240_000);
  afterAll(() => LabSwarm.remove(name), 60_000);
  return () => swarm!;
}

/** Each rep-server replica's last table, from its log: client id → requests answered. */
export function serverTables(lines: string[]): Map<string, Map<string, number>> {
  const tables = new Map<string, Map<string, number>>();
  for (const line of lines) {
    const [, replica = "", text = ""] = /^rep-server@(\S+) (.*)$/.exec(line) ?? [];
    if (/^(stopping|idle for \d+ ms): answered /.test(text)) tables.set(replica, new Map());
    const row = /^(req-client-\d+)\s+(\d+)$/.exec(text);
    if (row) tables.get(replica)?.set(row[1]!, Number(row[2]));
  }
  return tables;
}

/** The collector's RESULT in its log lines, as the pipeline tests' `collected` gives it. */
export function collectorOf(lines: string[]) {
  const result = resultOf(lines);
  if (!result) throw new Error("no RESULT line in the collector's log");
  return collectorReport(result as unknown as CollectorResult);
}
