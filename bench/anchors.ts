// The anchors (services/anchors, compose/anchors.yaml): the same measurements in libzmq C and in
// plain pyzmq, on a compose network of their own, so every lab figure has a ratio to both.
import { Project, run } from "./docker.js";
import { find, markdownTable, perSecond, ratio, si, times, type BenchReport, type Pipeline } from "./report.js";

export type Impl = "c" | "pyzmq";
export interface AnchorThroughput { impl: Impl; size: number; messages: number; seconds: number; libzmq: string; pyzmq?: string }
export interface AnchorLatency { impl: Impl; rounds: number; p50: number; p99: number; max: number; mean: number; libzmq: string; pyzmq?: string }

const FILES = ["compose/anchors.yaml"];
/** 64 B messages per PUSH/PULL run: C is about five times as fast as pyzmq. */
const MESSAGES: Record<Impl, number> = { c: 2_000_000, pyzmq: 400_000 };
const program = (impl: Impl) => (impl === "c" ? "anchor" : "python3 anchor.py");

/** Builds zmq-lab/anchors:<tag>: apt runs once, then every layer comes from the cache (`npm run clean` removes it). */
export async function buildAnchorImage(): Promise<void> {
  await run("docker", ["compose", "-f", FILES[0]!, "build", "--quiet"], process.env, 600_000);
}

function results(lines: Array<[number, string]>): Array<[number, Record<string, unknown>]> {
  return lines.filter(([, text]) => text.startsWith("RESULT ")).map(([at, text]) => [at, JSON.parse(text.slice(7)) as Record<string, unknown>]);
}

async function measure(name: string, env: Record<string, string>, server: boolean, timeoutMs: number): Promise<Record<string, unknown>> {
  const project = new Project(name, "", env, FILES);
  try {
    await project.up(["anchor-server", "anchor-client"]);
    const service = server ? "anchor-server" : "anchor-client";
    await project.wait(service, timeoutMs);
    const [found] = results(await project.logs(service));
    if (!found) throw new Error(`${name}: no RESULT line`);
    return found[1];
  } finally {
    await project.down();
  }
}

export async function anchorThroughput(impl: Impl, size = 64): Promise<AnchorThroughput> {
  const n = MESSAGES[impl];
  const env = { ANCHOR_SERVER: `${program(impl)} sink tcp://*:6000 ${n} ${size}`, ANCHOR_CLIENT: `${program(impl)} source tcp://anchor-server:6000 ${n} ${size}` };
  return (await measure(`anchor-${impl}-pushpull`, env, true, 120_000)) as unknown as AnchorThroughput;
}

export async function anchorLatency(impl: Impl, rounds: string): Promise<AnchorLatency> {
  const env = { ANCHOR_SERVER: `${program(impl)} echo tcp://*:6000 0 64`, ANCHOR_CLIENT: `${program(impl)} ping tcp://anchor-server:6000 ${rounds} 64` };
  return (await measure(`anchor-${impl}-reqrep`, env, false, 120_000)) as unknown as AnchorLatency;
}

/** The tutorial's pipeline in pyzmq: the producer's "batch start" to the collector's RESULT, by the daemon's clock. */
export async function pyPipeline(tasks: number, consumers: number): Promise<Pipeline> {
  const env = {
    ANCHOR_SERVER: `python3 pipeline.py collector tcp://*:5558 ${tasks}`,
    ANCHOR_WORKER: "python3 pipeline.py consumer tcp://anchor-client:5557 tcp://anchor-server:5558",
    ANCHOR_CLIENT: `python3 pipeline.py producer tcp://*:5557 ${tasks}`,
  };
  const project = new Project(`anchor-pipeline-${consumers}`, "", env, FILES);
  try {
    await project.up(["anchor-server", "anchor-worker"], { "anchor-worker": consumers });
    // The producer last, once every consumer has said it is connecting (PUSH deals to connected peers only).
    const deadline = Date.now() + 60_000;
    for (let ready = 0; ready < consumers; ) {
      ready = (await project.logs("anchor-worker")).filter(([, text]) => / ready$/.test(text)).length;
      if (Date.now() > deadline) throw new Error(`pyzmq pipeline: ${ready} of ${consumers} consumers ready after 60 s`);
      if (ready < consumers) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await project.up(["anchor-client"]);
    await project.wait("anchor-server", 120_000);
    const start = (await project.logs("anchor-client")).find(([, text]) => text.startsWith("batch start:"));
    const [end] = results(await project.logs("anchor-server"));
    if (!start || !end || end[1].results !== tasks) throw new Error(`pyzmq pipeline: no batch start, or not ${tasks} results`);
    return { consumers, tasks, seconds: (end[0] - start[0]) / 1000, load: 0 };
  } finally {
    await project.down();
  }
}

export interface Anchors {
  throughput: AnchorThroughput[];
  latency: AnchorLatency[];
  /** The side-by-side batch, each round of each side. */
  pipeline: Array<Pipeline & { impl: "lab" | "pyzmq" }>;
}

/** The middle value (the lower middle one for an even count), NaN for none. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? NaN;

/** The anchors' tables: every lab figure as a ratio to C and to pyzmq, and the pipelines side by side. */
export function anchorMarkdown(anchors: Anchors, report: BenchReport, zeromqJs: string): string[] {
  const of = (impl: Impl) => anchors.throughput.find((t) => t.impl === impl);
  const lat = (impl: Impl) => anchors.latency.find((l) => l.impl === impl);
  const [c, py] = [perSecond(of("c") ?? { messages: 0, seconds: 0 }), perSecond(of("pyzmq") ?? { messages: 0, seconds: 0 })];
  const rateRow = (label: string, value: number) => [label, si(value), times(ratio(value, c)), times(ratio(value, py))];
  const t = report.throughput;
  const lab = report.latency.find((l) => l.path === "containers");
  // Round trips: lower is better, so the ratio is the lab's time over the anchor's.
  const p50Row = (label: string, p50: number | undefined) => [label, String(p50 ?? "-"), times(ratio(p50, lat("c")?.p50)), times(ratio(p50, lat("pyzmq")?.p50))];
  const rounds = (impl: "lab" | "pyzmq") => anchors.pipeline.filter((p) => p.impl === impl);
  const tasksPerSecond = (impl: "lab" | "pyzmq") => {
    const seconds = median(rounds(impl).map((p) => p.seconds));
    return ratio(rounds(impl)[0]?.tasks, seconds);
  };
  const pyPipe = tasksPerSecond("pyzmq");
  return [
    `**Anchors**, across containers on one compose network: libzmq ${of("c")?.libzmq ?? "?"} in C (Debian's libzmq5), ` +
      `pyzmq ${of("pyzmq")?.pyzmq ?? "?"} on libzmq ${of("pyzmq")?.libzmq ?? "?"} (Debian's python3-zmq), the lab on zeromq.js ${zeromqJs}`,
    "",
    ...markdownTable(
      ["64 B PUSH/PULL", "msg/s", "÷ C", "÷ pyzmq"],
      [
        rateRow("libzmq C", c),
        rateRow("pyzmq", py),
        rateRow("lab bench, naive (one awaited send each)", rate(find(t, "containers", "naive", 64))),
        rateRow("lab bench, batched", rate(find(t, "containers", "lab", 64))),
      ],
    ),
    "",
    ...markdownTable(
      ["64 B REQ/REP round trip", "p50 µs", "÷ C", "÷ pyzmq"],
      [p50Row("libzmq C", lat("c")?.p50), p50Row("pyzmq", lat("pyzmq")?.p50), p50Row("lab bench (bench-echo, bench-pinger)", lab?.p50)],
    ),
    "",
    `**Pipeline**, ${rounds("lab")[0]?.tasks ?? "?"} zero-cost tasks, 2 consumers, batch start to verdict, median of ${rounds("lab").length}`,
    "",
    ...markdownTable(
      ["pipeline", "seconds (each round)", "tasks/s (median)", "÷ pyzmq"],
      (["lab", "pyzmq"] as const).map((impl) => [
        impl === "lab" ? "lab `pipeline` profile" : "tutorial's pipeline in pyzmq",
        rounds(impl).map((p) => p.seconds.toFixed(2)).join(", "),
        si(tasksPerSecond(impl)),
        times(ratio(tasksPerSecond(impl), pyPipe)),
      ]),
    ),
  ];
}

const rate = (row: { messages: number; seconds: number } | undefined) => (row ? perSecond(row) : NaN);
