// `npm run swarm -- <pattern> [--replicas service=N ...] [--nodes N]`: a lab swarm of N
// Docker-in-Docker nodes, the pattern deployed on it as a stack, the finite role's report and
// verdict, then the lab swarm removed (also on failure and Ctrl+C). `npm run swarm -- down`
// removes a lab swarm left behind.
import { parseArgs } from "node:util";
import { deploy, finiteRole, serviceLogs, services, stopAll, tasks, waitForEnd } from "./deploy.js";
import { ensureNodeImage, LabSwarm } from "./nodes.js";

const usage = "usage: npm run swarm -- <pattern> [--replicas service=N ...] [--nodes N] [--timeout seconds] | down";
const name = process.env.ZMQ_LAB_TAG || "latest";
const roleImage = `zmq-lab/roles:${name}`;

const hint = " (--nodes takes 1 to 5, --replicas service=N)";

/** The arguments, with node:util's parseArgs (as chaos/cli.ts): `--nodes 3` and `--nodes=3` alike. */
function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { nodes: { type: "string", default: "1" }, timeout: { type: "string", default: "300" }, replicas: { type: "string", multiple: true, default: [] } },
    });
  } catch (err) {
    return fail(`${(err as Error).message.split(". ")[0]}${hint}`);
  }
  const { values, positionals } = parsed;
  const [pattern, ...extra] = positionals;
  if (!pattern) return fail("no pattern");
  if (extra.length > 0) return fail(`${extra[0]}: not understood`);
  const whole = (flag: string, text: string, max = Infinity) => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    return n >= 1 && n <= max ? n : fail(`--${flag} ${text}: not understood${hint}`);
  };
  const replicas: Record<string, number> = {};
  for (const value of values.replicas) {
    const [, service, count] = /^([a-z0-9-]+)=(\d+)$/.exec(value) ?? fail(`--replicas ${value}: not understood${hint}`);
    replicas[service!] = Number(count);
  }
  return { pattern, replicas, nodes: whole("nodes", values.nodes, 5), timeoutS: whole("timeout", values.timeout) };
}

function fail(message: string): never {
  console.error(`[swarm] ${message}\n${usage}`);
  process.exit(2);
}

const say = (line: string) => console.error(`[swarm] ${line}`);
const args = parse(process.argv.slice(2));
if (args.pattern === "down") {
  const removed = await LabSwarm.remove(name);
  say(removed.length > 0 ? `removed the lab swarm "${name}" (${removed.length} containers, networks and volumes)` : `no lab swarm "${name}" to remove`);
  process.exit(0);
}

await finiteRole(args.pattern).catch((err: Error) => fail(err.message));

let stopping = false;
const stop = (signal: string, code: number) => {
  if (stopping) return;
  stopping = true;
  say(`${signal}: removing the lab swarm`);
  void LabSwarm.remove(name).finally(() => process.exit(code));
};
process.on("SIGINT", () => stop("SIGINT", 130));
process.on("SIGTERM", () => stop("SIGTERM", 143));

let verdict = 1;
const started = Date.now();
try {
  await ensureNodeImage();
  await LabSwarm.remove(name);
  say(`creating a lab swarm of ${args.nodes} node(s) and loading ${roleImage} on each`);
  const swarm = await LabSwarm.create(name, args.nodes, roleImage, say);
  say(`swarm up in ${Math.round((Date.now() - started) / 1000)} s; deploying ${args.pattern} as stack "zmq-lab"`);
  const finite = await deploy(swarm, args.pattern, { replicas: args.replicas });
  verdict = await waitForEnd(swarm, finite, args.replicas[finite] ?? 1, args.timeoutS * 1000);
  say(`${finite} ended; stopping the other roles`);
  const placed: string[] = [];
  for (const service of await services(swarm)) {
    for (const t of await tasks(swarm, service)) placed.push(`  ${t.service}-${t.slot}: ${t.node}, ${t.state}, exit ${t.exitCode ?? "-"}`);
  }
  await stopAll(swarm);
  // The servers' logs (with their last tables) first, the finite role's report and verdict last.
  const order = (await services(swarm)).sort((a, b) => Number(a === finite) - Number(b === finite));
  for (const service of order) for (const line of await serviceLogs(swarm, service)) console.log(line);
  say("tasks when the finite role ended (replica: node, state, exit code):");
  placed.forEach((line) => say(line));
  say(`${finite} exit code ${verdict} after ${Math.round((Date.now() - started) / 1000)} s`);
} catch (err) {
  say(err instanceof Error ? err.message : String(err));
} finally {
  if (!stopping) {
    await LabSwarm.remove(name);
    say(`removed the lab swarm "${name}"`);
  }
}
process.exit(verdict);
