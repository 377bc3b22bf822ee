// A pattern as a stack on a lab swarm: its stack file from compose, its deploy, its tasks (which
// replica ran on which node, how it ended) and the finite role's end, read from the manager.
import type { LabSwarm } from "./nodes.js";
import { sh } from "./nodes.js";
import { toStack, type ComposeConfig, type StackOptions } from "./stack.js";

const STACK = "zmq-lab";

export interface DeployOptions extends Omit<StackOptions, "finite"> {
  /** Compose's environment file (tests pass /dev/null, so a developer's .env changes nothing). */
  envFile?: string;
  /** Values for compose's interpolation, over the process environment. */
  env?: Record<string, string>;
}

/** The finite role of a pattern, from scripts/lib.sh, the one list of them. */
export async function finiteRole(pattern: string): Promise<string> {
  const role = await sh("bash", ["-c", 'source scripts/lib.sh && finite_role "$1"', "finite", pattern]).catch(() => "");
  if (!role.trim()) throw new Error(`unknown pattern "${pattern}"`);
  return role.trim();
}

/** Deploys `pattern` as the stack zmq-lab; returns its finite role. */
export async function deploy(swarm: LabSwarm, pattern: string, { envFile, env = {}, ...options }: DeployOptions = {}): Promise<string> {
  const finite = await finiteRole(pattern);
  const args = ["compose", ...(envFile ? ["--env-file", envFile] : []), "--profile", pattern, "config", "--format", "json"];
  const config = JSON.parse(await sh("docker", args, { env: { ...process.env, ...env } })) as ComposeConfig;
  const stack = toStack(config, { finite, ...options });
  // JSON is YAML: the stack file goes in on stdin.
  await swarm.docker(["stack", "deploy", "--compose-file", "-", STACK], { input: JSON.stringify(stack) });
  return finite;
}

export interface Task {
  service: string;
  slot: number;
  node: string;
  state: string;
  exitCode: number | undefined;
  createdAt: string;
  /** When the task reached its current state (for a running task: since when it runs). */
  since: string;
}

/** Every task of the stack's `service` Swarm still remembers, oldest first. */
export async function tasks(swarm: LabSwarm, service: string): Promise<Task[]> {
  const ids = (await swarm.docker(["service", "ps", "-q", "--no-trunc", `${STACK}_${service}`])).split("\n").filter(Boolean);
  if (ids.length === 0) return [];
  const nodes = new Map(
    (await swarm.docker(["node", "ls", "--format", "{{.ID}} {{.Hostname}}"])).split("\n").filter(Boolean).map((line) => line.split(" ") as [string, string]),
  );
  type Raw = { Slot: number; NodeID: string; CreatedAt: string; Status: { State: string; Timestamp: string; ContainerStatus?: { ExitCode?: number } } };
  const raw = JSON.parse(await swarm.docker(["inspect", "--type", "task", ...ids])) as Raw[];
  return raw
    .map((t) => ({ service, slot: t.Slot, node: nodes.get(t.NodeID) ?? t.NodeID, state: t.Status.State, exitCode: t.Status.ContainerStatus?.ExitCode, createdAt: t.CreatedAt, since: t.Status.Timestamp }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

const ENDED = new Set(["complete", "failed", "shutdown", "rejected", "orphaned", "remove"]);

/**
 * Waits until the latest task of every replica of `service` has ended; returns the first non-zero
 * exit code (the verdict), else 0.
 */
export async function waitForEnd(swarm: LabSwarm, service: string, replicas: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const latest = new Map((await tasks(swarm, service)).map((task) => [task.slot, task]));
    const ended = [...latest.values()].filter((task) => ENDED.has(task.state));
    if (latest.size >= replicas && ended.length === latest.size) return ended.map((task) => (task.state === "complete" ? 0 : task.exitCode || 1)).find((code) => code !== 0) ?? 0;
    if (Date.now() > deadline) throw new Error(`${service} did not end within ${timeoutMs} ms (${ended.length} of ${replicas} replicas ended)`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export interface TaskLog {
  node: string;
  slot: number;
  lines: string[];
}

/**
 * The log of every task container of `service` on the nodes still up, in slot order (a
 * rescheduled replica has one per node it ran on); `docker service logs` forgets stopped tasks.
 */
export async function taskLogs(swarm: LabSwarm, service: string): Promise<TaskLog[]> {
  const found: TaskLog[] = [];
  for (const node of swarm.nodes) {
    const listed = await swarm.on(node, ["ps", "-a", "--filter", `label=com.docker.swarm.service.name=${STACK}_${service}`, "--format", "{{.ID}} {{.Names}}"]).catch(() => "");
    for (const [id = "", name = ""] of listed.split("\n").filter(Boolean).map((line) => line.split(" "))) {
      const lines = (await swarm.on(node, ["logs", id])).split("\n").filter(Boolean);
      found.push({ node, slot: Number(name.split(".")[1]), lines });
    }
  }
  return found.sort((a, b) => a.slot - b.slot);
}

/** A running service's log lines in one call to the manager, quick enough to poll (`taskLogs` also finds stopped tasks). */
export async function liveLogs(swarm: LabSwarm, service: string): Promise<string[]> {
  return (await swarm.docker(["service", "logs", "--raw", `${STACK}_${service}`])).split("\n").filter(Boolean);
}

/** A service's log lines, every replica's, in slot order. */
export async function serviceLogs(swarm: LabSwarm, service: string): Promise<string[]> {
  return (await taskLogs(swarm, service)).flatMap((task) => task.lines);
}

/** Removes the stack and waits until its network is gone, so the next deploy starts clean. */
export async function removeStack(swarm: LabSwarm): Promise<void> {
  await swarm.docker(["stack", "rm", STACK]);
  const deadline = Date.now() + 60_000;
  while ((await swarm.docker(["network", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${STACK}`])).trim()) {
    if (Date.now() > deadline) throw new Error(`stack ${STACK} still has its network after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The stack's services, without the stack prefix. */
export async function services(swarm: LabSwarm): Promise<string[]> {
  const names = await swarm.docker(["stack", "services", "--format", "{{.Name}}", STACK]);
  return names.split("\n").filter(Boolean).map((name) => name.slice(STACK.length + 1)).sort();
}

/**
 * Stops every running role with SIGTERM (docker stop, on each node): each writes its last report
 * (a server's table) and exits 0, which its restart policy (on-failure) leaves stopped, and its
 * container keeps the log for `serviceLogs`; a scale to 0 or a removed stack would delete it.
 */
export async function stopAll(swarm: LabSwarm): Promise<void> {
  await Promise.all(
    swarm.nodes.map(async (node) => {
      const running = (await swarm.on(node, ["ps", "-q", "--filter", `label=com.docker.stack.namespace=${STACK}`]).catch(() => "")).split("\n").filter(Boolean);
      if (running.length > 0) await swarm.on(node, ["stop", ...running], { timeoutMs: 60_000 });
    }),
  );
}
