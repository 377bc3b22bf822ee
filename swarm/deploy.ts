// A pattern as a stack on a lab swarm: its stack file from compose, its deploy, its tasks (which
// replica ran on which node, how it ended) and the finite role's end, read from the manager.
import type { LabSwarm } from "./nodes.js";
import { sh } from "./nodes.js";
import { keySecrets, startOrder, toStack, type ComposeConfig, type StackOptions } from "./stack.js";

const STACK = "zmq-lab";
/** What Swarm labels a stack's parts with; the key secrets carry it too, so they go with the stack. */
const NAMESPACE = `com.docker.stack.namespace=${STACK}`;

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

/**
 * Deploys `pattern` as the stack zmq-lab, in compose's start order: each wave of services once
 * every replica of the ones before it runs. Returns its finite role.
 */
export async function deploy(swarm: LabSwarm, pattern: string, { envFile, env = {}, ...options }: DeployOptions = {}): Promise<string> {
  const finite = await finiteRole(pattern);
  const args = ["compose", ...(envFile ? ["--env-file", envFile] : []), "--profile", pattern, "config", "--format", "json"];
  const config = JSON.parse(await sh("docker", args, { env: { ...process.env, ...env } })) as ComposeConfig;
  // Secure mode: each CURVE key compose gave a service becomes a secret first, its value on stdin.
  const keys = keySecrets(config);
  const secure = Object.values(config.services).some((service) => service.environment?.ZMQ_CURVE === "on");
  if (secure && keys.size === 0) throw new Error("ZMQ_CURVE=on but compose found no CURVE keys: run `npm run keys` first");
  const existing = new Set((await swarm.docker(["secret", "ls", "--format", "{{.Name}}"])).split("\n"));
  for (const [secret, value] of keys) {
    if (!existing.has(secret)) await swarm.docker(["secret", "create", "--label", NAMESPACE, secret, "-"], { input: value });
  }
  const waves = startOrder(config);
  for (const [i, wave] of waves.entries()) {
    // The services of later waves at 0 replicas are left out of the stack file, so not started yet.
    const later = Object.fromEntries(waves.slice(i + 1).flat().map((name) => [name, 0]));
    const stack = toStack(config, { finite, ...options, replicas: { ...options.replicas, ...later } });
    // JSON is YAML: the stack file goes in on stdin. A service already deployed keeps its tasks.
    await swarm.docker(["stack", "deploy", "--compose-file", "-", STACK], { input: JSON.stringify(stack) });
    if (i < waves.length - 1) await waitForRunning(swarm, stack.services as Record<string, { deploy: { replicas: number } }>, wave);
  }
  return finite;
}

/** Waits until every replica of each service in `wave` runs, or already ended (60 s at most). */
async function waitForRunning(swarm: LabSwarm, services: Record<string, { deploy: { replicas: number } }>, wave: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const service of wave.filter((name) => name in services)) {
    const replicas = services[service]!.deploy.replicas;
    for (;;) {
      const latest = new Map((await tasks(swarm, service)).map((task) => [task.slot, task]));
      if ([...latest.values()].filter((task) => task.state === "running" || ENDED.has(task.state)).length >= replicas) break;
      if (Date.now() > deadline) throw new Error(`${service}: not all ${replicas} replicas running within 60 s, so what starts after it was not deployed`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
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

/** Removes the stack with its key secrets, and waits until its network is gone, so the next deploy starts clean. */
export async function removeStack(swarm: LabSwarm): Promise<void> {
  await swarm.docker(["stack", "rm", STACK]);
  const deadline = Date.now() + 60_000;
  while ((await swarm.docker(["network", "ls", "-q", "--filter", `label=${NAMESPACE}`])).trim()) {
    if (Date.now() > deadline) throw new Error(`stack ${STACK} still has its network after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // `stack rm` takes the secrets labelled with its namespace too; this makes sure.
  const secrets = await stackSecrets(swarm);
  if (secrets.length > 0) await swarm.docker(["secret", "rm", ...secrets]);
}

/** The names of the stack's secrets (the CURVE keys in secure mode). */
export async function stackSecrets(swarm: LabSwarm): Promise<string[]> {
  const names = await swarm.docker(["secret", "ls", "--filter", `label=${NAMESPACE}`, "--format", "{{.Name}}"]);
  return names.split("\n").filter(Boolean).sort();
}

/** A service's spec as `docker service inspect` shows it: its environment and the secrets it mounts. */
export async function serviceSpec(swarm: LabSwarm, service: string): Promise<{ env: string[]; secrets: Array<{ name: string; file: string }> }> {
  type Raw = { Spec: { TaskTemplate: { ContainerSpec: { Env?: string[]; Secrets?: Array<{ SecretName: string; File: { Name: string } }> } } } };
  const [raw] = JSON.parse(await swarm.docker(["service", "inspect", `${STACK}_${service}`])) as Raw[];
  const spec = raw!.Spec.TaskTemplate.ContainerSpec;
  return { env: spec.Env ?? [], secrets: (spec.Secrets ?? []).map((secret) => ({ name: secret.SecretName, file: secret.File.Name })) };
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
