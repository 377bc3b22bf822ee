// `npm run bench`: runs the lab's roles in containers (and the same code over host loopback), one
// measurement after another, and writes the markdown table to stdout, results/bench.json and
// results/bench.svg. Expects the role image built and tsconfig.bench.json compiled (scripts/bench.sh).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { formatPlan, type BenchResult, type LatencyResult, type PubSubResult, type Run, type ThroughputResult } from "../services/bench/wire.js";
import { dockerode } from "../test/helpers/compose-project.js";
import { repoRoot } from "../test/helpers/repo.js";
import { benchProject, benchResults, finished, freePort, hostRole, linesAtExit, pipelineRun, serviceResults } from "./projects.js";
import { brokerLatency, makespans } from "./broker.js";
import {
  anchorLatency,
  anchorLatencyLoopback,
  anchorMarkdown,
  anchorThroughput,
  anchorThroughputLoopback,
  buildAnchorImage,
  pathsMarkdown,
  pyPipeline,
  type Anchors,
} from "./anchors.js";
import { pubsubMarkdown, pubsubRounds } from "./pubsub.js";
import { reqrepMarkdown, reqrepRounds } from "./reqrep.js";
import { medians, perSecond, type BenchReport, type Latency, type PubSub, type Startup, type Throughput } from "./figures.js";
import { brokerMarkdown, markdown } from "./markdown.js";
import { svg } from "./svg.js";

const say = (message: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);
const started = performance.now();

// The first run of every plan warms up connections and the JIT and is not reported.
const WARMUP: Run = { mode: "lab", size: 64, count: 50_000 };
const THROUGHPUT: Run[] = [
  WARMUP,
  { mode: "naive", size: 64, count: 200_000 },
  { mode: "lab", size: 64, count: 500_000 },
  { mode: "naive", size: 1024, count: 150_000 },
  { mode: "lab", size: 1024, count: 250_000 },
  { mode: "naive", size: 65536, count: 10_000 },
  { mode: "lab", size: 65536, count: 10_000 },
];
const PUBSUB: Run[] = [WARMUP, { mode: "naive", size: 64, count: 300_000 }, { mode: "lab", size: 64, count: 300_000 }];
/** Each run stops sending after this long, whatever its count. */
const RUN_MS = "4000";
/** PUSH/PULL is measured this many times per path; the table shows the median. */
const ROUNDS_OF_THROUGHPUT = 3;
const ROUNDS = "10000";
// Tasks of about 40 ms each, so the per-result work of producer and collector stays a small share.
const PIPELINE = { tasks: 200, cost: "20000", consumers: [1, 2, 4] };
const pipeline = (consumers: number, tasks = PIPELINE.tasks, cost = PIPELINE.cost) => pipelineRun(consumers, tasks, cost);
/** The lab's pipeline beside the pyzmq one: this many zero-cost tasks. */
const ANCHOR_TASKS = 20_000;
/** zeromq.js as installed here (the role image installs the same lock file). */
const zeromqVersion = async () => (JSON.parse(await readFile(join(repoRoot, "node_modules/zeromq/package.json"), "utf8")) as { version: string }).version;

const throughputRows = (results: BenchResult[], path: Throughput["path"]): Throughput[] =>
  (results.filter((r) => r.kind === "throughput" && r.run > 0) as ThroughputResult[]).map(({ mode, size, messages, seconds }) => ({ path, mode, size, messages, seconds }));

async function throughputContainers(plan = THROUGHPUT): Promise<Throughput[]> {
  await using project = await benchProject("pushpull", "bench", { BENCH_PLAN: formatPlan(plan), BENCH_RUN_MS: RUN_MS });
  await project.up(["bench-sink", "bench-source"]);
  await finished(project, "bench-sink", 90_000);
  return throughputRows(await serviceResults(project, "bench-sink"), "containers");
}

async function throughputLoopback(plan = THROUGHPUT): Promise<Throughput[]> {
  const port = await freePort();
  const env = { BENCH_PLAN: formatPlan(plan), BENCH_RUN_MS: RUN_MS };
  await using sink = await hostRole("bench/sink.js", { ...env, BENCH_SINK_BIND: `tcp://127.0.0.1:${port}` });
  await using source = await hostRole("bench/source.js", { ...env, BENCH_SOURCE_CONNECT: `tcp://127.0.0.1:${port}` });
  const [lines] = await Promise.all([linesAtExit(sink, 90_000), linesAtExit(source, 90_000)]);
  return throughputRows(benchResults(lines), "loopback");
}

const latencyRow = (results: BenchResult[], path: Latency["path"]): Latency[] =>
  (results.filter((r) => r.kind === "latency") as LatencyResult[]).map(({ kind: _, ...rest }) => ({ path, ...rest }));

async function latencyContainers(): Promise<Latency[]> {
  await using project = await benchProject("reqrep", "bench", { BENCH_ROUNDS: ROUNDS, BENCH_RUN_MS: "30000" });
  await project.up(["bench-echo", "bench-pinger"]);
  await finished(project, "bench-pinger", 60_000);
  return latencyRow(await serviceResults(project, "bench-pinger"), "containers");
}

async function latencyLoopback(): Promise<Latency[]> {
  const port = await freePort();
  await using echo = await hostRole("bench/echo.js", { BENCH_ECHO_BIND: `tcp://127.0.0.1:${port}` });
  const env = { BENCH_PING_CONNECT: `tcp://127.0.0.1:${port}`, BENCH_ROUNDS: ROUNDS, BENCH_RUN_MS: "30000" };
  await using pinger = await hostRole("bench/pinger.js", env);
  const rows = latencyRow(benchResults(await linesAtExit(pinger, 60_000)), "loopback");
  await echo.stop();
  return rows;
}

async function pubsub(subscribers: number): Promise<PubSub[]> {
  const env = { BENCH_PLAN: formatPlan(PUBSUB), BENCH_RUN_MS: RUN_MS, BENCH_SUBSCRIBERS: String(subscribers), BENCH_TOPIC: "3" };
  await using project = await benchProject(`pubsub-${subscribers}`, "bench", env);
  await project.up(["bench-pub", "bench-sub"], { "bench-sub": subscribers });
  await finished(project, "bench-sub", 90_000);
  const results = (await serviceResults(project, "bench-sub")).filter((r): r is PubSubResult => r.kind === "pubsub");
  return (["naive", "lab"] as const).map((mode) => {
    const runs = results.filter((r) => r.run > 0 && r.mode === mode);
    return {
      subscribers,
      mode,
      perSecond: runs.reduce((sum, r) => sum + perSecond({ messages: r.delivered, seconds: r.seconds }), 0),
      delivered: runs.reduce((sum, r) => sum + r.delivered, 0),
      expected: runs.reduce((sum, r) => sum + r.expected, 0),
    };
  });
}

/** From `up` to the first delivered message's log line, for one profile. */
async function startup(profile: string, service: string, pattern: RegExp, first: string, env: Record<string, string>): Promise<Startup> {
  await using project = await benchProject(`up-${profile}`, profile, env);
  const upAt = Date.now();
  await project.up([]);
  const [name] = await project.names(service);
  const seen = await project.waitForLine(`${name}`, pattern, 30_000).catch(() => undefined);
  const at = seen && (await project.timedLogs(`${name}`)).find(({ line }) => line === seen)?.at.getTime();
  return { profile, ms: at ? at - upAt : NaN, first };
}

async function machine(): Promise<BenchReport["machine"]> {
  const docker = await (await dockerode())
    .version()
    .then((version) => version.Version)
    .catch(() => "?");
  return {
    cores: availableParallelism(),
    memoryGiB: totalmem() / 2 ** 30,
    cpu: cpus()[0]?.model.trim() ?? "?",
    docker,
    load: loadavg()[0]!,
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
  };
}

const report: BenchReport = { machine: await machine(), throughput: [], latency: [], pubsub: [], pipeline: [], startup: [] };
say(`${report.machine.cores} cores, ${report.machine.memoryGiB.toFixed(0)} GiB, load ${report.machine.load}`);

/** Round trips direct and through lb-broker, then the slow-worker batch on the pipeline and the broker. */
async function broker(direct: boolean): Promise<void> {
  say(`REQ/REP, ${ROUNDS} round trips${direct ? ", direct and" : ""} through lb-broker`);
  if (direct) report.latency.push(...(await latencyContainers()));
  const latency = await brokerLatency(ROUNDS);
  say("one slow worker: pipeline vs broker makespan");
  report.broker = { latency, makespan: await makespans() };
}

// A failed anchor leaves its cells "-"; the rest of the report still comes out.
const anchor = async <T>(what: string, measure: () => Promise<T>, into: T[]) => {
  try {
    into.push(await measure());
  } catch (err) {
    say(`${what} failed: ${(err as Error).message}`);
  }
};

/** The C and pyzmq anchors over loopback (both ends in one container), beside the network ones. */
async function loopbackAnchors(): Promise<NonNullable<Anchors["loopback"]>> {
  const loopback: NonNullable<Anchors["loopback"]> = { throughput: [], latency: [] };
  for (const impl of ["c", "pyzmq"] as const) {
    await anchor(`${impl} PUSH/PULL over loopback`, () => anchorThroughputLoopback(impl), loopback.throughput);
    await anchor(`${impl} REQ/REP over loopback`, () => anchorLatencyLoopback(impl, ROUNDS), loopback.latency);
  }
  return loopback;
}

// `npm run bench -- pubsub`: the pubsub target, and the anchors on both paths beside one round of
// the lab bench's PUSH/PULL and REQ/REP on both, written to results/bench-pubsub.*.
if (process.argv[2] === "pubsub") {
  await buildAnchorImage();
  say("PUSH/PULL and REQ/REP: the lab bench across containers and over loopback, then libzmq C and pyzmq on both paths");
  // 64 B only, the size the anchors send.
  const plan = THROUGHPUT.filter((run) => run.size === 64);
  report.throughput.push(...(await throughputContainers(plan)), ...(await throughputLoopback(plan)));
  report.latency.push(...(await latencyContainers()), ...(await latencyLoopback()));
  const anchors: Anchors = { throughput: [], latency: [], pipeline: [] };
  for (const impl of ["c", "pyzmq"] as const) {
    await anchor(`${impl} PUSH/PULL`, () => anchorThroughput(impl), anchors.throughput);
    await anchor(`${impl} REQ/REP`, () => anchorLatency(impl, ROUNDS), anchors.latency);
  }
  anchors.loopback = await loopbackAnchors();
  const feed = await pubsubRounds(say);
  const results = join(repoRoot, "results");
  await mkdir(results, { recursive: true });
  await writeFile(join(results, "bench-pubsub.json"), JSON.stringify({ machine: report.machine, feed, anchors, report }, null, 2) + "\n");
  const table = [...pubsubMarkdown(feed), "", ...pathsMarkdown(anchors, report), "", `load average ${loadavg()[0]!.toFixed(1)} at the end`].join("\n") + "\n";
  await writeFile(join(results, "bench-pubsub.md"), table);
  process.stdout.write(table);
  say("done; results/bench-pubsub.json and results/bench-pubsub.md written");
  process.exit(0);
}
// `npm run bench -- broker`: only the broker's measurements, written to results/bench-broker.*.
if (process.argv[2] === "broker") {
  await broker(true);
  const results = join(repoRoot, "results");
  await mkdir(results, { recursive: true });
  await writeFile(join(results, "bench-broker.json"), JSON.stringify(report, null, 2) + "\n");
  const table = brokerMarkdown(report.broker!, report.latency[0]).join("\n") + "\n";
  await writeFile(join(results, "bench-broker.md"), table);
  process.stdout.write(table);
  say("done; results/bench-broker.json and results/bench-broker.md written");
  process.exit(0);
}
// `npm run bench -- reqrep`: only the reqrep target (the roles beside C and pyzmq), written to results/bench-reqrep.*.
if (process.argv[2] === "reqrep") {
  await buildAnchorImage();
  const rounds = await reqrepRounds(say);
  const results = join(repoRoot, "results");
  await mkdir(results, { recursive: true });
  await writeFile(join(results, "bench-reqrep.json"), JSON.stringify({ machine: report.machine, reqrep: rounds }, null, 2) + "\n");
  const table = reqrepMarkdown(rounds).join("\n") + "\n";
  await writeFile(join(results, "bench-reqrep.md"), table);
  process.stdout.write(table);
  say("done; results/bench-reqrep.json and results/bench-reqrep.md written");
  process.exit(0);
}
// `npm run bench -- telemetry`: only what the runtime's telemetry costs (docs/view.md).
if (process.argv[2] === "telemetry") {
  const { loadavg } = await import("node:os");
  const { telemetryCost } = await import("./telemetry.js");
  const table = await telemetryCost(say);
  process.stdout.write([...table, "", `load average ${loadavg()[0]!.toFixed(1)} at the end`, ""].join("\n"));
  process.exit(0);
}
// Containers and loopback take turns, so a burst of load from other jobs hits both alike.
const samples: Throughput[] = [];
for (let round = 1; round <= ROUNDS_OF_THROUGHPUT; round++) {
  say(`PUSH/PULL across containers (${round}/${ROUNDS_OF_THROUGHPUT})`);
  samples.push(...(await throughputContainers()));
  say(`PUSH/PULL over host loopback (${round}/${ROUNDS_OF_THROUGHPUT})`);
  samples.push(...(await throughputLoopback()));
}
report.throughput.push(...medians(samples));
say(`REQ/REP, ${ROUNDS} round trips, across containers and over loopback`);
report.latency.push(...(await latencyContainers()), ...(await latencyLoopback()));
for (const n of [1, 3]) {
  say(`PUB/SUB with ${n} subscriber(s)`);
  report.pubsub.push(...(await pubsub(n)));
}
for (const n of PIPELINE.consumers) {
  say(`pipeline with ${n} consumer(s)`);
  const { row, startup: up } = await pipeline(n);
  report.pipeline.push(row);
  if (n === 1) report.startup.push(up);
}
await broker(false);
say("anchors: libzmq C and pyzmq, PUSH/PULL and REQ/REP; the pipeline, lab vs pyzmq, 3 times each");
await buildAnchorImage();
const anchors: Anchors = { throughput: [], latency: [], pipeline: [] };
for (const impl of ["c", "pyzmq"] as const) {
  await anchor(`${impl} PUSH/PULL`, () => anchorThroughput(impl), anchors.throughput);
  await anchor(`${impl} REQ/REP`, () => anchorLatency(impl, ROUNDS), anchors.latency);
}
anchors.loopback = await loopbackAnchors();
// Zero-cost tasks, 2 consumers, the lab's defaults otherwise: the side-by-side batch.
for (let round = 0; round < 3; round++) {
  anchors.pipeline.push({ impl: "lab", ...(await pipeline(2, ANCHOR_TASKS, "0")).row });
  await anchor("pyzmq pipeline", async () => ({ impl: "pyzmq" as const, ...(await pyPipeline(ANCHOR_TASKS, 2)) }), anchors.pipeline);
}
// The zero-cost scaling curve's other points (2 consumers: the rounds above).
for (const n of [1, 4]) anchors.pipeline.push({ impl: "lab", ...(await pipeline(n, ANCHOR_TASKS, "0")).row });
// The pubsub target: the real weather roles at full speed beside the tutorial's feed in pyzmq, taking turns.
const feed = await pubsubRounds(say);
// The reqrep target: the real roles' round trips beside C's and pyzmq's, taking turns.
const reqrep = await reqrepRounds(say);
say("time to first message: pair, reqrep, pubsub");
report.startup.unshift(
  await startup("pair", "pair-client", / received 1\//, "pair-client: received 1", { PAIR_INTERVAL_MS: "1000", PAIR_MESSAGES: "10" }),
  await startup("reqrep", "req-client", / reply 1\//, "req-client: reply 1", { REP_WORK_MS: "0", REQUESTS: "10" }),
  await startup("pubsub", "weather-sub", / update 1\//, "weather-sub: update 1", { PUB_ZIPS: "10001-10001", ZIP_FILTER: "10001", PUB_RATE: "1000", UPDATES: "20" }),
);

const results = join(repoRoot, "results");
await mkdir(results, { recursive: true });
await writeFile(join(results, "bench.json"), JSON.stringify({ ...report, anchors, feed, reqrep }, null, 2) + "\n");
await writeFile(join(results, "bench.svg"), svg(report));
const table =
  [markdown(report), ...anchorMarkdown(anchors, report, await zeromqVersion()), "", ...pathsMarkdown(anchors, report), "", ...pubsubMarkdown(feed), "", ...reqrepMarkdown(reqrep)].join("\n") +
  "\n";
await writeFile(join(results, "bench.md"), table);
process.stdout.write(table);
say(`done; results/bench.json, results/bench.svg and results/bench.md written`);
