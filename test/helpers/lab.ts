import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import type Dockerode from "dockerode";
import { resultOf } from "../../services/runtime/log.js";
import { DockerComposeEnvironment, getContainerRuntimeClient, Wait, type StartedDockerComposeEnvironment } from "testcontainers";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/**
 * Compose reads no `.env` in tests: a developer's `.env` (ZMQ_CURVE=on, say) must not change
 * what a test asserts. Tests pass every value they need through the process environment.
 */
export const noEnvFile = "/dev/null";
/** The role image the tests run, as compose tags it. */
export const roleImage = `zmq-lab/roles:${process.env.ZMQ_LAB_TAG || "latest"}`;

export interface LabOptions {
  /** Environment for compose interpolation; tests set every value they assert on. */
  env?: Record<string, string>;
  /** Replicas per service, as `--scale service=N`. */
  scale?: Record<string, number>;
  /** Start only these services of the profile (default: all of them). */
  services?: string[];
  /** Compose files, as `-f` takes them (default: compose.yaml alone). */
  files?: string[];
  /** The compose project name (default: zmq-lab-test-<profile>-<random>), known before the start. */
  project?: string;
}

/** The exits watchExits saw, per container name (`rep-server-1`). */
export interface ExitWatch {
  of(name: string): Array<{ at: Date; exitCode: number }>;
}

/** A fresh project name for a test's lab. */
export const projectName = (profile: string) => `zmq-lab-test-${profile}-${randomUUID().slice(0, 8)}`;

export interface ContainerState {
  exitCode: number;
  running: boolean;
  startedAt: Date;
  finishedAt: Date;
  /** The kernel killed it at its memory limit (its last run, as Docker keeps it). */
  oomKilled: boolean;
  /** How often its restart policy started it again. */
  restartCount: number;
}

/** One compose profile brought up by testcontainers under its own project name. */
export class Lab {
  private constructor(
    readonly project: string,
    readonly profile: string,
    private readonly env: Record<string, string>,
    private readonly environment: StartedDockerComposeEnvironment,
    private readonly docker: Dockerode,
  ) {}

  /** Event streams opened by watchExits, closed with the lab. */
  private readonly watches: Array<{ destroy(): void }> = [];

  /** Starts `profile` from the repo's compose.yaml and waits until every running role logged "ready". */
  static async start(
    profile: string,
    { env = {}, scale = {}, services, files = ["compose.yaml"], project = projectName(profile) }: LabOptions = {},
  ): Promise<Lab> {
    const scaleFlags = Object.entries(scale).flatMap(([service, n]) => ["--scale", `${service}=${n}`]);
    const environment = await new DockerComposeEnvironment(repoRoot, files)
      .withProjectName(project)
      .withProfiles(profile)
      .withEnvironmentFile(noEnvFile)
      .withEnvironment(env)
      .withClientOptions({ commandOptions: scaleFlags })
      .withDefaultWaitStrategy(Wait.forLogMessage(/ ready: /))
      .withStartupTimeout(30_000)
      .up(services);
    const client = await getContainerRuntimeClient();
    return new Lab(project, profile, env, environment, client.container.dockerode);
  }

  /** Container names of a service, running or exited, in replica order (e.g. consumer-1, consumer-2). */
  async names(service: string): Promise<string[]> {
    const found = await this.list(service);
    return found.map((c) => `${service}-${c.Labels["com.docker.compose.container-number"]}`).sort(byReplica);
  }

  /** The container's log lines, stdout and stderr together. */
  async logs(name: string): Promise<string[]> {
    return linesOf(await this.container(name));
  }

  /** The role's RESULT (`RESULT {json}`, its last machine-readable line); throws if it wrote none. */
  async result<T = Record<string, unknown>>(name: string): Promise<T> {
    const found = resultOf(await this.logs(name));
    if (!found) throw new Error(`${name}: no RESULT line in its log`);
    return found as T;
  }

  /** Polls the log until a line matches: a readiness signal, never a fixed sleep. */
  async waitForLine(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = (await this.logs(name)).find((l) => pattern.test(l));
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`${name}: no log line matching ${pattern} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Waits for the container to exit and returns its exit code. */
  async waitForExit(name: string, timeoutMs = 60_000): Promise<number> {
    return exitOf(await this.container(name), name, timeoutMs);
  }

  async state(name: string): Promise<ContainerState> {
    const { State, RestartCount } = await (await this.container(name)).inspect();
    return {
      exitCode: State.ExitCode,
      running: State.Running,
      startedAt: new Date(State.StartedAt),
      finishedAt: new Date(State.FinishedAt),
      oomKilled: State.OOMKilled,
      restartCount: RestartCount,
    };
  }

  /**
   * Records every exit of the project's containers from now on, restarts included, from Docker's
   * `die` events. Live, because the engine keeps only its last 256 events for a later query.
   */
  async watchExits(): Promise<ExitWatch> {
    const label = [`com.docker.compose.project=${this.project}`];
    const stream = (await this.docker.getEvents({ filters: { label, event: ["die"] } })) as NodeJS.ReadableStream & { destroy(): void };
    const seen: Array<{ name: string; at: Date; exitCode: number }> = [];
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines.filter((l) => l.trim().length > 0)) {
        const { timeNano, Actor } = JSON.parse(line) as { timeNano: number; Actor: { Attributes: Record<string, string> } };
        const name = `${Actor.Attributes["com.docker.compose.service"]}-${Actor.Attributes["com.docker.compose.container-number"]}`;
        seen.push({ name, at: new Date(timeNano / 1e6), exitCode: Number(Actor.Attributes.exitCode) });
      }
    });
    this.watches.push(stream);
    return { of: (name) => seen.filter((exit) => exit.name === name).map(({ at, exitCode }) => ({ at, exitCode })) };
  }


  /** Where Docker published a container port on the host, as the container's state records it. */
  async published(name: string, port: number): Promise<{ host: string; port: number }> {
    const { NetworkSettings } = await (await this.container(name)).inspect();
    const binding = NetworkSettings.Ports[`${port}/tcp`]?.[0];
    if (!binding) throw new Error(`${name}: port ${port} is not published`);
    return { host: binding.HostIp, port: Number(binding.HostPort) };
  }

  /** The names of the environment variables the container was started with. */
  async envNames(name: string): Promise<string[]> {
    const { Config } = await (await this.container(name)).inspect();
    return (Config.Env ?? []).map((entry) => entry.split("=", 1)[0]!).sort();
  }

  /**
   * Sends SIGTERM (docker stop, 10 s backstop) and reads how the container ended from its state.
   * `elapsedMs` runs from the stop request to the container's recorded finish.
   */
  async stop(name: string): Promise<ContainerState & { elapsedMs: number }> {
    const container = await this.container(name);
    const requested = Date.now();
    await container.stop({ t: 10 });
    const state = await this.state(name);
    return { ...state, elapsedMs: state.finishedAt.getTime() - requested };
  }

  /** Restarts a container as `docker compose restart` does: SIGTERM, then a fresh start of the same container. */
  async restart(name: string): Promise<void> {
    await (await this.container(name)).restart({ t: 10 });
  }

  /**
   * `docker compose stop` on the whole profile, as a user types it, then how every container of
   * the project ended. `elapsedMs` runs from the stop command to each container's recorded finish.
   */
  async stopAll(): Promise<Map<string, ContainerState & { elapsedMs: number }>> {
    const requested = Date.now();
    await this.compose(["stop"]);
    const states = new Map<string, ContainerState & { elapsedMs: number }>();
    const services = new Set((await this.list()).map((c) => c.Labels["com.docker.compose.service"]!));
    for (const service of [...services].sort()) {
      for (const name of await this.names(service)) {
        const state = await this.state(name);
        states.set(name, { ...state, elapsedMs: state.finishedAt.getTime() - requested });
      }
    }
    return states;
  }

  /** Sends SIGKILL (docker kill): no shutdown at all, the process dies mid-step. Returns how it ended. */
  async kill(name: string): Promise<ContainerState> {
    const container = await this.container(name);
    await container.kill();
    await exitOf(container, name, 10_000);
    return this.state(name);
  }

  /** `docker compose up --scale service=n` on the running project, as a user scales it mid-run. */
  async scale(service: string, replicas: number): Promise<void> {
    await this.compose(["up", "--detach", "--no-recreate", "--no-deps", "--scale", `${service}=${replicas}`, service]);
  }

  /** `docker pause`: the processes freeze, their connections stay open (no FIN, no RST). */
  async pause(name: string): Promise<void> {
    await (await this.container(name)).pause();
  }

  async unpause(name: string): Promise<void> {
    await (await this.container(name)).unpause();
  }

  /** The container's log lines with Docker's own receive time of each. */
  async timedLogs(name: string): Promise<Array<{ at: Date; line: string }>> {
    const raw = (await (await this.container(name)).logs({ stdout: true, stderr: true, follow: false, timestamps: true })) as Buffer;
    return demux(raw)
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => ({ at: new Date(line.slice(0, line.indexOf(" "))), line: line.slice(line.indexOf(" ") + 1) }));
  }

  /** Runs a one-off role container (an intruder, say) on this project's network until it exits. */
  async run(command: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunResult> {
    return runOnce(command, env, { network: this.network, timeoutMs });
  }

  /** The name of the project's network, for containers started beside the compose ones. */
  get network(): string {
    return `${this.project}_default`;
  }

  /** Removes every container and network of this project. */
  async down(): Promise<void> {
    this.watches.splice(0).forEach((stream) => stream.destroy());
    await this.environment.down({ timeout: 2_000, removeVolumes: true });
  }

  /** Runs `docker compose <args>` on this project and profile, with the env the lab started with. */
  private async compose(args: string[]): Promise<void> {
    await exec("docker", ["compose", "--env-file", noEnvFile, "--project-name", this.project, "--profile", this.profile, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...this.env },
    });
  }

  /** The project's containers, of one service or of all. */
  private async list(service?: string) {
    const label = [`com.docker.compose.project=${this.project}`];
    if (service) label.push(`com.docker.compose.service=${service}`);
    return this.docker.listContainers({ all: true, filters: { label } });
  }

  private async container(name: string): Promise<Dockerode.Container> {
    const match = /^(.*)-(\d+)$/.exec(name);
    if (!match) throw new Error(`container name "${name}" is not <service>-<replica>`);
    const found = (await this.list(match[1]!)).find((c) => c.Labels["com.docker.compose.container-number"] === match[2]);
    if (!found) throw new Error(`container "${name}" not found in project ${this.project}`);
    return this.docker.getContainer(found.Id);
  }
}

const exec = promisify(execFile);

/**
 * Memory in use by each running container of a project, by name (`consumer-2`): the cgroup's
 * high-water mark where Docker reports one (cgroup v1), else the current usage.
 */
export async function projectMemory(project: string): Promise<Map<string, number>> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const running = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
  const sampled = await Promise.all(
    running.map(async (c) => {
      const name = `${c.Labels["com.docker.compose.service"]}-${c.Labels["com.docker.compose.container-number"]}`;
      try {
        const { memory_stats: m } = await docker.getContainer(c.Id).stats({ stream: false, "one-shot": true });
        return [name, m.max_usage ?? m.usage ?? 0] as const;
      } catch {
        return undefined; // it exited between the listing and the sample
      }
    }),
  );
  return new Map(sampled.filter((entry) => entry !== undefined));
}

export interface RunResult {
  exitCode: number;
  lines: string[];
}

/** Runs the role image once with `command` and `env`, waits for the exit, returns code and log. */
export async function runOnce(
  command: string[],
  env: Record<string, string>,
  { network, timeoutMs = 60_000 }: { network?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const container = await docker.createContainer({
    Image: roleImage,
    Cmd: command,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    HostConfig: { NetworkMode: network, Init: true },
  });
  try {
    await container.start();
    const exitCode = await exitOf(container, command.join(" "), timeoutMs);
    return { exitCode, lines: await linesOf(container) };
  } finally {
    await container.remove({ force: true });
  }
}

export async function exitOf(container: Dockerode.Container, label: string, timeoutMs: number): Promise<number> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${label}: still running after ${timeoutMs} ms`)), timeoutMs).unref(),
  );
  const { StatusCode } = (await Promise.race([container.wait(), timeout])) as { StatusCode: number };
  return StatusCode;
}

/** The container's log lines, stdout and stderr together. */
export async function linesOf(container: Dockerode.Container): Promise<string[]> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
  return demux(raw).split("\n").filter((line) => line.length > 0);
}

const byReplica = (a: string, b: string) => Number(a.split("-").pop()) - Number(b.split("-").pop());

/** Docker multiplexes stdout and stderr into frames: 8-byte header (stream, size), then the payload. */
function demux(raw: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
