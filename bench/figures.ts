// What `npm run bench` measured and the arithmetic on it: rates, medians, ratios, scaling and the
// targets. No formatting here (markdown.ts, svg.ts); pure functions, unit-tested without Docker.
import type { Mode } from "../services/bench/wire.js";

export type Path = "containers" | "loopback";

export interface Throughput {
  path: Path;
  mode: Mode;
  size: number;
  messages: number;
  seconds: number;
}

export interface Latency {
  path: Path;
  rounds: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PubSub {
  subscribers: number;
  mode: Mode;
  /** Sum over subscribers of each one's delivered payloads per second. */
  perSecond: number;
  delivered: number;
  expected: number;
}

export interface Pipeline {
  consumers: number;
  tasks: number;
  seconds: number;
  /** The host's 1-minute load average as the run started: other jobs share the cores. */
  load: number;
}

export interface Startup {
  profile: string;
  /** From `docker compose up` to the first delivered message's log line. */
  ms: number;
  first: string;
}

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpu: string;
  docker: string;
  /** 1-minute load average when the bench started. */
  load: number;
  date: string;
}

export interface BrokerBench {
  /** REQ/REP round trips through lb-broker (one worker, no work), beside the direct ones in `latency`. */
  latency: Latency;
  /** One batch, 4 workers of which one is slow: PUSH round robin vs the broker. */
  makespan: { tasks: number; fastMs: number; slowMs: number; fast: number; clients: number; pipelineSeconds: number; brokerSeconds: number };
}

export interface BenchReport {
  machine: Machine;
  throughput: Throughput[];
  latency: Latency[];
  pubsub: PubSub[];
  pipeline: Pipeline[];
  startup: Startup[];
  broker?: BrokerBench;
}


/** The one definition of a rate: `messages` (or tasks, round trips, payloads) per second, 0 for no time. */
export const perSecond = ({ messages, seconds }: { messages: number; seconds: number }) => (seconds > 0 ? messages / seconds : 0);
export const mbPerSecond = (t: Throughput) => (perSecond(t) * t.size) / 1e6;
/** Round trips per second at the mean round trip (µs); NaN when none was measured. */
export const roundTripsPerSecond = (l: Latency) => (l.mean > 0 ? perSecond({ messages: 1, seconds: l.mean / 1e6 }) : NaN);

/** Per path, mode and size, the sample with the median rate (the lower middle one for an even count). */
export function medians(samples: Throughput[]): Throughput[] {
  const groups = new Map<string, Throughput[]>();
  for (const sample of samples) {
    const key = `${sample.path} ${sample.mode} ${sample.size}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => perSecond(a) - perSecond(b));
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  });
}

/** a ÷ b, NaN when b is 0 or missing. */
export const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : NaN);
/** The share of loopback throughput lost across the bridge: 1 - containers ÷ loopback. */
export const bridgeCost = (containers: number | undefined, loopback: number | undefined) => 1 - ratio(containers, loopback);

export const find = (rows: Throughput[], path: Path, mode: Mode, size: number) =>
  rows.find((row) => row.path === path && row.mode === mode && row.size === size);

/** The rate of one path, mode and size, undefined when it was not measured. */
export const rateOf = (rows: Throughput[], path: Path, mode: Mode, size: number) => {
  const row = find(rows, path, mode, size);
  return row ? perSecond(row) : undefined;
};

/** The message sizes measured, smallest first. */
export const sizesOf = (rows: Throughput[]) => [...new Set(rows.map((row) => row.size))].sort((a, b) => a - b);

/** Pipeline tasks/s for `consumers`, and the speed-up against one consumer. */
export function scaling(rows: Pipeline[]): Array<Pipeline & { perSecond: number; speedup: number }> {
  const rate = (row: Pipeline) => perSecond({ messages: row.tasks, seconds: row.seconds });
  const one = rows.find((row) => row.consumers === 1);
  return rows.map((row) => ({ ...row, perSecond: rate(row), speedup: ratio(rate(row), one && rate(one)) }));
}

export const TARGETS = { labOverNaive64: 1.5, bridgeCost: 0.2, pipelineSpeedup2: 1.7 };

/** The figures the targets are judged on. */
export function targetFigures(report: BenchReport) {
  const t = report.throughput;
  const labOverNaive64 = ratio(rateOf(t, "containers", "lab", 64) ?? 0, rateOf(t, "containers", "naive", 64) ?? 0);
  const bridgeCosts = sizesOf(t).map((size) => [size, bridgeCost(rateOf(t, "containers", "lab", size), rateOf(t, "loopback", "lab", size))] as const);
  const worstBridgeCost = bridgeCosts.reduce((worst, [, cost]) => Math.max(worst, cost), -Infinity);
  const pipelineSpeedup2 = scaling(report.pipeline).find((row) => row.consumers === 2)?.speedup ?? NaN;
  return { labOverNaive64, bridgeCosts, worstBridgeCost, pipelineSpeedup2 };
}
