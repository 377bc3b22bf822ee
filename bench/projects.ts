// How the bench starts its runs, on the host-side Docker layer the tests use (test/helpers/):
// compose projects named zmq-lab-bench-<name>, and the same image on the host's network for the
// loopback runs. Every wait is bounded in time; `await using` takes each run down.
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { parseResults, type BenchResult } from "../services/bench/wire.js";
import { resultOf } from "../services/runtime/log.js";
import { ComposeProject } from "../test/helpers/compose-project.js";
import { OneOff } from "../test/helpers/one-off.js";
import type { Pipeline, Startup } from "./figures.js";

/** One compose project of the lab with its own environment; "broker,bench" enables both profiles. */
export function benchProject(name: string, profile: string, env: Record<string, string>): Promise<ComposeProject> {
  // Set last, so a user's .env can't switch CURVE on for what is measured.
  return ComposeProject.open(`zmq-lab-bench-${name}`, { profiles: profile.split(","), env: { ZMQ_CURVE: "off", ...env } });
}

/** Waits until every replica of `service` has exited; says so, with its last lines, when one exits non-zero. */
export async function finished(project: ComposeProject, service: string, timeoutMs: number): Promise<void> {
  for (const [name, code] of await project.waitForService(service, timeoutMs)) {
    if (code === 0) continue;
    const tail = (await project.logs(name)).slice(-5).map((line) => `  ${line}`);
    console.error(`${project.name}: ${name} exited ${code}; its last lines:\n${tail.join("\n")}`);
  }
}

/**
 * Runs a bench role from the same image on the host's network, so a loopback run differs from a
 * container run only in the network path: same image, same Node, same code.
 */
export function hostRole(role: string, env: Record<string, string>): Promise<OneOff> {
  return OneOff.start(["node", `dist/${role}`], { ZMQ_CURVE: "off", ...env }, { network: "host" });
}

/** Waits for a host role's exit (bounded) and returns its log lines; says so when it failed. */
export async function linesAtExit(role: OneOff, timeoutMs: number): Promise<string[]> {
  const { exitCode, lines } = await role.finish(timeoutMs);
  if (exitCode !== 0) console.error(`${role.label} exited ${exitCode}; its last lines:\n${lines.slice(-5).join("\n")}`);
  return lines;
}

/**
 * A bench role's measurements: the `runs` of its RESULT line where it writes one, else its
 * per-run `BENCH {json}` lines (what the bench roles wrote before RESULT).
 */
export function benchResults(lines: string[]): BenchResult[] {
  const runs = resultOf(lines)?.["runs"];
  return Array.isArray(runs) ? (runs as BenchResult[]) : parseResults(lines);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** The measurements of every replica of `service`. */
export async function serviceResults(project: ComposeProject, service: string): Promise<BenchResult[]> {
  const logs = await Promise.all((await project.names(service)).map((name) => project.logs(name)));
  return logs.flatMap(benchResults);
}

/**
 * The real pipeline roles: from the producer's batch start to the collector's verdict, as the pyzmq
 * pipeline anchor is timed. Not from the collector's own batch start line: the batch start travels
 * on a connection of its own, and when results beat it, that line misses part of the batch's work.
 */
export async function pipelineRun(consumers: number, tasks: number, cost: string, { view }: { view?: boolean } = {}): Promise<{ row: Pipeline; startup: Startup }> {
  const env = { TASKS: String(tasks), TASK_MODE: "cpu", TASK_COST: cost, SEED: "7", CONSUMERS: String(consumers), TASK_INTERVAL_MS: "0" };
  // view: the dashboard runs beside it and every role's telemetry reaches it; false: telemetry off
  // (TELEMETRY_CONNECT empty); unset: the default, telemetry on with no dashboard to take it.
  const withView: Record<string, string> = view === undefined ? {} : view ? { DASHBOARD_HOST_PORT: "0", TELEMETRY_CONNECT: "tcp://dashboard:5599" } : { TELEMETRY_CONNECT: "" };
  const name = `pipeline-${consumers}${view === undefined ? "" : view ? "-view" : "-noview"}`;
  await using project = await benchProject(name, view ? "pipeline,view" : "pipeline", { ...env, ...withView });
  const load = loadavg()[0]!;
  const upAt = Date.now();
  await project.up([], { consumer: consumers });
  await finished(project, "collector", 120_000);
  const logs = await project.serviceLogs("collector");
  const at = (pattern: RegExp) => logs.find(({ line }) => pattern.test(line))?.at.getTime();
  const [verdict, first] = [at(/ verdict: PASS/), at(/ result 1\//)];
  const sent = (await project.serviceLogs("producer")).find(({ line }) => / batch start: /.test(line))?.at.getTime();
  if (sent === undefined || verdict === undefined) throw new Error(`pipeline with ${consumers} consumers: no batch start from the producer or no PASS verdict`);
  return {
    row: { consumers, tasks, seconds: (verdict - sent) / 1000, load },
    startup: { profile: "pipeline", ms: first !== undefined ? first - upAt : NaN, first: "collector: result 1" },
  };
}
