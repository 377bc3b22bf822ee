// The benchmark's wire format and result lines, shared by its roles, the host orchestrator and tests.
// A run is a stream of payload frames (never empty) closed by an end marker: one empty frame.
// Roles print each result as one log line, `BENCH {json}`, which the orchestrator reads back.
import { makeValidator } from "envalid";
import { expected } from "../runtime/index.js";

export type Mode = "naive" | "lab";

/** One measured run: how the sender sends, the payload size in bytes and how many payloads. */
export interface Run {
  mode: Mode;
  size: number;
  count: number;
}

const RUN = /^(naive|lab):(\d+):(\d+)$/;
export const MAX_PAYLOAD = 1024 * 1024;

export function parsePlan(raw: string): Run[] | undefined {
  const runs: Run[] = [];
  for (const item of raw.split(",").map((part) => part.trim())) {
    const match = RUN.exec(item);
    if (!match) return undefined;
    const [size, count] = [Number(match[2]), Number(match[3])];
    if (size < 1 || size > MAX_PAYLOAD || count < 1 || count > 100_000_000) return undefined;
    runs.push({ mode: match[1] as Mode, size, count });
  }
  return runs;
}

export const formatPlan = (runs: Run[]) => runs.map(({ mode, size, count }) => `${mode}:${size}:${count}`).join(",");

/** BENCH_PLAN: `mode:size:count,...`, e.g. `naive:64:200000,lab:64:200000`. */
export const plan = makeValidator<Run[]>(
  (raw) => parsePlan(raw) ?? expected(`runs "naive|lab:<bytes 1-${MAX_PAYLOAD}>:<count>", comma-separated`, raw),
);

/** BENCH_PLAN, the runs a bench role takes part in; every role of a run reads it the same way. */
export const benchPlan = { BENCH_PLAN: plan({ default: [{ mode: "naive", size: 64, count: 100_000 }] }) };

/** Closes a run: an empty frame, which no payload is. */
export const END = Buffer.alloc(0);

/** A payload of `size` bytes; the content does not matter, only its size. */
export const payload = (size: number) => Buffer.alloc(size, 0x61);

/** Payload frames in a message and whether it closes the run (an end marker, alone or last). */
export function readFrames(frames: Buffer[], skip = 0): { payloads: number; bytes: number; end: boolean } {
  let payloads = 0;
  let bytes = 0;
  let end = false;
  for (const frame of frames.slice(skip)) {
    if (frame.length === 0) end = true;
    else {
      payloads++;
      bytes += frame.length;
    }
  }
  return { payloads, bytes, end };
}

export interface ThroughputResult {
  kind: "throughput";
  run: number;
  mode: Mode;
  size: number;
  messages: number;
  bytes: number;
  seconds: number;
}

export interface LatencyResult {
  kind: "latency";
  rounds: number;
  /** Round-trip times in microseconds. */
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PubSubResult {
  kind: "pubsub";
  run: number;
  mode: Mode;
  size: number;
  /** Matching payloads this subscriber received. */
  delivered: number;
  /** Matching payloads the publisher sent. */
  expected: number;
  seconds: number;
}

export type BenchResult = ThroughputResult | LatencyResult | PubSubResult;

const TAG = "BENCH ";

export const formatResult = (result: BenchResult) => `${TAG}${JSON.stringify(result)}`;

/** Every result line among `lines` (log prefixes and other lines are skipped). */
export function parseResults(lines: string[]): BenchResult[] {
  const found: BenchResult[] = [];
  for (const line of lines) {
    const at = line.indexOf(TAG + "{");
    if (at < 0) continue;
    try {
      const value = JSON.parse(line.slice(at + TAG.length)) as BenchResult;
      if (value && typeof value === "object" && typeof value.kind === "string") found.push(value);
    } catch {
      // A truncated or foreign line: not a result.
    }
  }
  return found;
}

/** PUB/SUB: ten topics, so one subscribed topic matches 10 % of the messages. */
export const TOPICS = 10;
export const topicOf = (n: number) => `t${n % TOPICS} `;
/** The end marker's topic, which every subscriber also subscribes to: `END <run>`. */
export const endTopic = (run: number) => `END ${run}`;
export const END_PREFIX = "END ";
