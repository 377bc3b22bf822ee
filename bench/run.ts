// `npm run bench`: runs the lab's roles in containers (and the same code over host loopback), one
// measurement after another, and writes the markdown table to stdout, results/bench.json and
// results/bench.svg. Expects the role image built and tsconfig.bench.json compiled (scripts/bench.sh).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { formatPlan, parseResults, type LatencyResult, type PubSubResult, type Run, type ThroughputResult } from "../services/bench/wire.js";
import { freePort, HostRole, Project, repoRoot, run } from "./docker.js";
import { brokerLatency, makespans } from "./broker.js";
import { anchorLatency, anchorMarkdown, anchorThroughput, buildAnchorImage, pyPipeline, type Anchors } from "./anchors.js";
import { brokerMarkdown, markdown, medians, svg, type BenchReport, type Latency, type Pipeline, type PubSub, type Startup, type Throughput } from "./report.js";

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
/** The lab's pipeline beside the pyzmq one: this many zero-cost tasks. */
const ANCHOR_TASKS = 20_000;
/** zeromq.js as installed here (the role image installs the same lock file). */
const zeromqVersion = async () => (JSON.parse(await readFile(join(repoRoot, "node_modules/zeromq/package.json"), "utf8")) as { version: string }).version;

const throughputRows = (results: ThroughputResult[], path: Throughput["path"]): Throughput[] =>
  results.filter((r) => r.kind === "throughput" && r.run > 0).map(({ mode, size, messages, seconds }) => ({ path, mode, size, messages, seconds }));

async function throughputContainers(): Promise<Throughput[]> {
  const project = new Project("pushpull", "bench", { BENCH_PLAN: formatPlan(THROUGHPUT), BENCH_RUN_MS: RUN_MS });
  try {
    await project.up(["bench-sink", "bench-source"]);
    await project.wait("bench-sink", 90_000);
    const lines = (await project.logs("bench-sink")).map(([, text]) => text);
    return throughputRows(parseResults(lines) as ThroughputResult[], "containers");
  } finally {
    await project.down();
  }
}

async function throughputLoopback(): Promise<Throughput[]> {
  const port = await freePort();
  const env = { BENCH_PLAN: formatPlan(THROUGHPUT), BENCH_RUN_MS: RUN_MS };
  const sink = await HostRole.start("bench/sink.js", { ...env, BENCH_SINK_BIND: `tcp://127.0.0.1:${port}` });
  const source = await HostRole.start("bench/source.js", { ...env, BENCH_SOURCE_CONNECT: `tcp://127.0.0.1:${port}` });
  const [lines] = await Promise.all([sink.finish(90_000), source.finish(90_000)]);
  return throughputRows(parseResults(lines) as ThroughputResult[], "loopback");
}

const latencyRow = (lines: string[], path: Latency["path"]): Latency[] =>
  (parseResults(lines).filter((r) => r.kind === "latency") as LatencyResult[]).map(({ kind: _, ...rest }) => ({ path, ...rest }));

async function latencyContainers(): Promise<Latency[]> {
  const project = new Project("reqrep", "bench", { BENCH_ROUNDS: ROUNDS, BENCH_RUN_MS: "30000" });
  try {
    await project.up(["bench-echo", "bench-pinger"]);
    await project.wait("bench-pinger", 60_000);
    return latencyRow((await project.logs("bench-pinger")).map(([, text]) => text), "containers");
  } finally {
    await project.down();
  }
}

async function latencyLoopback(): Promise<Latency[]> {
  const port = await freePort();
  const echo = await HostRole.start("bench/echo.js", { BENCH_ECHO_BIND: `tcp://127.0.0.1:${port}` });
  try {
    const env = { BENCH_PING_CONNECT: `tcp://127.0.0.1:${port}`, BENCH_ROUNDS: ROUNDS, BENCH_RUN_MS: "30000" };
    return latencyRow(await (await HostRole.start("bench/pinger.js", env)).finish(60_000), "loopback");
  } finally {
    await echo.stop();
  }
}

async function pubsub(subscribers: number): Promise<PubSub[]> {
  const env = { BENCH_PLAN: formatPlan(PUBSUB), BENCH_RUN_MS: RUN_MS, BENCH_SUBSCRIBERS: String(subscribers), BENCH_TOPIC: "3" };
  const project = new Project(`pubsub-${subscribers}`, "bench", env);
  try {
    await project.up(["bench-pub", "bench-sub"], { "bench-sub": subscribers });
    await project.wait("bench-sub", 90_000);
    const results = parseResults((await project.logs("bench-sub")).map(([, text]) => text)) as PubSubResult[];
    return (["naive", "lab"] as const).map((mode) => {
      const runs = results.filter((r) => r.kind === "pubsub" && r.run > 0 && r.mode === mode);
      return {
        subscribers,
        mode,
        perSecond: runs.reduce((sum, r) => sum + (r.seconds > 0 ? r.delivered / r.seconds : 0), 0),
        delivered: runs.reduce((sum, r) => sum + r.delivered, 0),
        expected: runs.reduce((sum, r) => sum + r.expected, 0),
      };
    });
  } finally {
    await project.down();
  }
}

/** The real pipeline roles: batch start to verdict in the collector's log, and the first result. */
async function pipeline(consumers: number, tasks = PIPELINE.tasks, cost = PIPELINE.cost): Promise<{ row: Pipeline; startup: Startup }> {
  const env = { TASKS: String(tasks), TASK_MODE: "cpu", TASK_COST: cost, SEED: "7", CONSUMERS: String(consumers), TASK_INTERVAL_MS: "0" };
  const project = new Project(`pipeline-${consumers}`, "pipeline", env);
  try {
    const load = loadavg()[0]!;
    const upAt = Date.now();
    await project.up([], { consumer: consumers });
    await project.wait("collector", 120_000);
    const logs = await project.logs("collector");
    const at = (pattern: RegExp) => logs.find(([, text]) => pattern.test(text));
    const [batch, verdict, first] = [at(/ batch start: /), at(/ verdict: PASS/), at(/ result 1\//)];
    if (!batch || !verdict) throw new Error(`pipeline with ${consumers} consumers: no batch start or no PASS verdict`);
    return {
      row: { consumers, tasks, seconds: (verdict[0] - batch[0]) / 1000, load },
      startup: { profile: "pipeline", ms: first ? first[0] - upAt : NaN, first: "collector: result 1" },
    };
  } finally {
    await project.down();
  }
}

/** From `up` to the first delivered message's log line, for one profile. */
async function startup(profile: string, service: string, pattern: RegExp, first: string, env: Record<string, string>): Promise<Startup> {
  const project = new Project(`up-${profile}`, profile, env);
  try {
    const upAt = Date.now();
    await project.up([]);
    const [at] = await project.firstLine(service, pattern, 30_000);
    return { profile, ms: at - upAt, first };
  } finally {
    await project.down();
  }
}

async function machine(): Promise<BenchReport["machine"]> {
  const docker = (await run("docker", ["version", "--format", "{{.Server.Version}}"]).catch(() => "?")).trim();
  return {
    cores: Number((await run("nproc", [])).trim()),
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
  anchors.throughput.push(await anchorThroughput(impl));
  anchors.latency.push(await anchorLatency(impl, ROUNDS));
}
// Zero-cost tasks, 2 consumers, the lab's defaults otherwise: the side-by-side batch.
for (let round = 0; round < 3; round++) {
  anchors.pipeline.push({ impl: "lab", ...(await pipeline(2, ANCHOR_TASKS, "0")).row });
  anchors.pipeline.push({ impl: "pyzmq", ...(await pyPipeline(ANCHOR_TASKS, 2)) });
}
say("time to first message: pair, reqrep, pubsub");
report.startup.unshift(
  await startup("pair", "pair-client", / received 1\//, "pair-client: received 1", { PAIR_INTERVAL_MS: "1000", PAIR_MESSAGES: "10" }),
  await startup("reqrep", "req-client", / reply 1\//, "req-client: reply 1", { REP_WORK_MS: "0", REQUESTS: "10" }),
  await startup("pubsub", "weather-sub", / update 1\//, "weather-sub: update 1", { PUB_ZIPS: "10001-10001", ZIP_FILTER: "10001", PUB_RATE: "1000", UPDATES: "20" }),
);

const results = join(repoRoot, "results");
await mkdir(results, { recursive: true });
await writeFile(join(results, "bench.json"), JSON.stringify({ ...report, anchors }, null, 2) + "\n");
await writeFile(join(results, "bench.svg"), svg(report));
const table = markdown(report) + "\n" + anchorMarkdown(anchors, report, await zeromqVersion()).join("\n") + "\n";
await writeFile(join(results, "bench.md"), table);
process.stdout.write(table);
say(`done; results/bench.json, results/bench.svg and results/bench.md written`);
