// The anchors (services/anchors, compose/anchors.yaml): the same measurements in libzmq C and in
// plain pyzmq, on a compose network of their own, so every lab figure has a ratio to both.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ComposeProject } from "../test/helpers/compose-project.js";
import { repoRoot } from "../test/helpers/repo.js";
import { find, perSecond, ratio, scaling, type BenchReport, type Pipeline } from "./figures.js";
import { markdownTable, si, times } from "./markdown.js";
import { finished } from "./projects.js";

export type Impl = "c" | "pyzmq";
export interface AnchorThroughput { impl: Impl; size: number; messages: number; seconds: number; libzmq: string; pyzmq?: string }
export interface AnchorLatency { impl: Impl; rounds: number; p50: number; p99: number; max: number; mean: number; libzmq: string; pyzmq?: string }

const FILES = ["compose/anchors.yaml"];
/** 64 B messages per PUSH/PULL run: C is about five times as fast as pyzmq. */
const MESSAGES: Record<Impl, number> = { c: 2_000_000, pyzmq: 400_000 };
const program = (impl: Impl) => (impl === "c" ? "anchor" : "python3 anchor.py");
export const anchorProject = (name: string, env: Record<string, string>) => ComposeProject.open(`zmq-lab-bench-${name}`, { profiles: [], files: FILES, env });

/** Builds zmq-lab/anchors:<tag>: apt runs once, then every layer comes from the cache (`npm run clean` removes it). */
export async function buildAnchorImage(): Promise<void> {
  await promisify(execFile)("docker", ["compose", "-f", FILES[0]!, "build", "--quiet"], { cwd: repoRoot, timeout: 600_000 });
}

/** Starts the server and the client, waits for `service` to exit, and returns its RESULT. */
async function measure(name: string, env: Record<string, string>, service: string, timeoutMs: number): Promise<Record<string, unknown>> {
  await using project = await anchorProject(name, env);
  // The server first: a client started before the server's name is in Docker's DNS fails its connect.
  await project.up(["anchor-server"]);
  await project.up(["anchor-client"]);
  await finished(project, service, timeoutMs);
  if (service === "anchor-server") await finished(project, "anchor-client", timeoutMs);
  const [replica] = await project.names(service);
  return project.result(replica!);
}

export async function anchorThroughput(impl: Impl, size = 64): Promise<AnchorThroughput> {
  const n = MESSAGES[impl];
  const env = { ANCHOR_SERVER: `${program(impl)} sink tcp://*:6000 ${n} ${size}`, ANCHOR_CLIENT: `${program(impl)} source tcp://anchor-server:6000 ${n} ${size}` };
  return (await measure(`anchor-${impl}-pushpull`, env, "anchor-server", 60_000)) as unknown as AnchorThroughput;
}

export async function anchorLatency(impl: Impl, rounds: string): Promise<AnchorLatency> {
  const env = { ANCHOR_SERVER: `${program(impl)} echo tcp://*:6000 0 64`, ANCHOR_CLIENT: `${program(impl)} ping tcp://anchor-server:6000 ${rounds} 64` };
  return (await measure(`anchor-${impl}-reqrep`, env, "anchor-client", 60_000)) as unknown as AnchorLatency;
}

/** The tutorial's pipeline in pyzmq: the producer's "batch start" to the collector's RESULT, by the daemon's clock. */
export async function pyPipeline(tasks: number, consumers: number): Promise<Pipeline> {
  const env = {
    ANCHOR_SERVER: `python3 pipeline.py collector tcp://*:5558 ${tasks}`,
    ANCHOR_WORKER: "python3 pipeline.py consumer tcp://anchor-client:5557 tcp://anchor-server:5558",
    ANCHOR_CLIENT: `python3 pipeline.py producer tcp://*:5557 ${tasks}`,
  };
  await using project = await anchorProject(`anchor-pipeline-${consumers}`, env);
  await project.up(["anchor-server", "anchor-worker"], { "anchor-worker": consumers });
  // The producer last, once every consumer is connecting (PUSH deals to connected peers only).
  for (const name of await project.names("anchor-worker")) await project.waitForLine(name, / ready$/, 60_000);
  await project.up(["anchor-client"]);
  await finished(project, "anchor-server", 120_000);
  const at = async (service: string, pattern: RegExp) => (await project.serviceLogs(service)).find(({ line }) => pattern.test(line));
  const [start, end] = [await at("anchor-client", /^batch start:/), await at("anchor-server", /^RESULT /)];
  const [server] = await project.names("anchor-server");
  if (!start || !end || (await project.result(server!)).results !== tasks) throw new Error(`pyzmq pipeline: no batch start, or not ${tasks} results`);
  return { consumers, tasks, seconds: (end.at.getTime() - start.at.getTime()) / 1000, load: 0 };
}

export interface Anchors {
  throughput: AnchorThroughput[];
  latency: AnchorLatency[];
  /** The same two measurements over loopback, both ends in one container. */
  loopback?: { throughput: AnchorThroughput[]; latency: AnchorLatency[] };
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
  const rounds = (impl: "lab" | "pyzmq", consumers = 2) => anchors.pipeline.filter((p) => p.impl === impl && p.consumers === consumers);
  const labAt = (consumers: number) => ratio(rounds("lab", consumers)[0]?.tasks, median(rounds("lab", consumers).map((p) => p.seconds)));
  const cpuBound = scaling(report.pipeline);
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
    "",
    `**Scaling** of the lab's pipeline on ${report.machine.cores} cores: tasks/s by consumers, zero-cost tasks (${rounds("lab")[0]?.tasks ?? "?"}) and CPU-bound ones (${report.pipeline[0]?.tasks ?? "?"})`,
    "",
    ...markdownTable(
      ["consumers", "zero-cost tasks/s", "CPU-bound tasks/s", "CPU-bound speed-up"],
      [1, 2, 4].map((n) => {
        const cpu = cpuBound.find((row) => row.consumers === n);
        return [String(n), si(labAt(n)), si(cpu?.perSecond ?? NaN), times(cpu?.speedup ?? NaN)];
      }),
    ),
  ];
}

const rate = (row: { messages: number; seconds: number } | undefined) => (row ? perSecond(row) : NaN);

/** Where a loopback anchor's two ends meet, inside one container. */
const LOCAL = "tcp://127.0.0.1:6000";

/**
 * Both ends in one container, so in one network namespace: the path is loopback, no bridge or veth
 * in between. The measuring end runs in the foreground (`exec`), and the container ends with it.
 */
async function measureLoopback(name: string, background: string, measuring: string): Promise<Record<string, unknown>> {
  await using project = await anchorProject(name, { ANCHOR_SERVER: `sh -c "${background} & exec ${measuring}"` });
  await project.up(["anchor-server"]);
  await finished(project, "anchor-server", 60_000);
  const [replica] = await project.names("anchor-server");
  return await project.result(replica!);
}

export async function anchorThroughputLoopback(impl: Impl, size = 64): Promise<AnchorThroughput> {
  const [n, run] = [MESSAGES[impl], program(impl)];
  return (await measureLoopback(`anchor-${impl}-pushpull-lo`, `${run} source ${LOCAL} ${n} ${size}`, `${run} sink ${LOCAL} ${n} ${size}`)) as unknown as AnchorThroughput;
}

export async function anchorLatencyLoopback(impl: Impl, rounds: string): Promise<AnchorLatency> {
  const run = program(impl);
  return (await measureLoopback(`anchor-${impl}-reqrep-lo`, `${run} echo ${LOCAL} 0 64`, `${run} ping ${LOCAL} ${rounds} 64`)) as unknown as AnchorLatency;
}

/** The anchors on both paths, each lab figure over a path divided by C's and pyzmq's over the same path. */
export function pathsMarkdown(anchors: Anchors, report: BenchReport): string[] {
  const paths = [
    { path: "containers" as const, anchors: { throughput: anchors.throughput, latency: anchors.latency } },
    { path: "loopback" as const, anchors: anchors.loopback ?? { throughput: [], latency: [] } },
  ];
  const rateRows = paths.flatMap(({ path, anchors: measured }) => {
    const of = (impl: Impl) => rate(measured.throughput.find((t) => t.impl === impl));
    const row = (label: string, value: number) => [label, path, si(value), times(ratio(value, of("c"))), times(ratio(value, of("pyzmq")))];
    return [
      row("libzmq C", of("c")),
      row("pyzmq", of("pyzmq")),
      row("lab bench, naive", rate(find(report.throughput, path, "naive", 64))),
      row("lab bench, batched", rate(find(report.throughput, path, "lab", 64))),
    ];
  });
  const p50Rows = paths.flatMap(({ path, anchors: measured }) => {
    const of = (impl: Impl) => measured.latency.find((l) => l.impl === impl)?.p50;
    const row = (label: string, p50: number | undefined) => [label, path, String(p50 ?? "-"), times(ratio(p50, of("c"))), times(ratio(p50, of("pyzmq")))];
    return [row("libzmq C", of("c")), row("pyzmq", of("pyzmq")), row("lab bench (bench-echo, bench-pinger)", report.latency.find((l) => l.path === path)?.p50)];
  });
  return [
    "**Anchors by path**: across containers on one compose network, and over loopback (the anchors' two ends in one container; the lab bench's on the host's network). Each ratio is to C and pyzmq on the same path.",
    "",
    ...markdownTable(["64 B PUSH/PULL", "path", "msg/s", "÷ C", "÷ pyzmq"], rateRows),
    "",
    ...markdownTable(["64 B REQ/REP round trip", "path", "p50 µs", "÷ C", "÷ pyzmq"], p50Rows),
  ];
}
