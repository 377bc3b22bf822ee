// A test's lab: one compose profile started by testcontainers under its own project name, with
// the drills a test performs on it (stop, kill, restart, scale, pause). Reading containers is
// ComposeProject's; the checkout's names are repo.ts's; one-off containers are one-off.ts's.
import { randomUUID } from "node:crypto";
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from "testcontainers";
import type Dockerode from "dockerode";
import { ComposeProject, dockerode, replicaName, type ComposeOptions, type ContainerState } from "./compose-project.js";
import { exitOf } from "./container-logs.js";
import { runOnce, type RunResult } from "./one-off.js";
import { noEnvFile, repoRoot } from "./repo.js";

// What tests imported from here before the layer was split; they keep working.
export { exitOf, linesOf, timedLinesOf } from "./container-logs.js";
export { runOnce, type RunResult } from "./one-off.js";
export { noEnvFile, repoRoot, roleImage } from "./repo.js";
export type { ContainerState } from "./compose-project.js";

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
  /** Profiles to start beside `profile` (`view`: the dashboard). */
  with?: string[];
}

/** The exits watchExits saw, per container name (`rep-server-1`). */
export interface ExitWatch {
  of(name: string): Array<{ at: Date; exitCode: number }>;
}

/** A fresh project name for a test's lab. */
export const projectName = (profile: string) => `zmq-lab-test-${profile}-${randomUUID().slice(0, 8)}`;

/** One compose profile brought up by testcontainers under its own project name. */
export class Lab extends ComposeProject {
  private constructor(
    project: string,
    readonly profile: string,
    options: ComposeOptions,
    docker: Dockerode,
    private readonly environment: StartedDockerComposeEnvironment,
  ) {
    super(project, options, docker);
  }

  /** Event streams opened by watchExits, closed with the lab. */
  private readonly watches: Array<{ destroy(): void }> = [];

  /** Starts `profile` from the repo's compose.yaml and waits until every running role logged "ready". */
  static async start(
    profile: string,
    { env = {}, scale = {}, services, files = ["compose.yaml"], project = projectName(profile), with: more = [] }: LabOptions = {},
  ): Promise<Lab> {
    const scaleFlags = Object.entries(scale).flatMap(([service, n]) => ["--scale", `${service}=${n}`]);
    const options: ComposeOptions = { profiles: [profile], files, env, envFile: noEnvFile };
    let environment: StartedDockerComposeEnvironment;
    try {
      environment = await new DockerComposeEnvironment(repoRoot, files)
        .withProjectName(project)
        .withProfiles(profile, ...more)
        .withEnvironmentFile(noEnvFile)
        .withEnvironment(env)
        .withClientOptions({ commandOptions: scaleFlags })
        .withDefaultWaitStrategy(Wait.forLogMessage(/ ready: /))
        .withStartupTimeout(30_000)
        .up(services);
    } catch (err) {
      // testcontainers' own cleanup of a failed start runs `down` without the profiles, which
      // removes none of a profile's containers: down here, with them, then report the failure.
      await (await ComposeProject.open(project, { ...options, profiles: [profile, ...more] })).down().catch(() => undefined);
      throw err;
    }
    return new Lab(project, profile, options, await dockerode(), environment);
  }

  /** The compose project name (the same as `name`). */
  get project(): string {
    return this.name;
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
    for (const name of (await this.list()).map(replicaName).sort(byServiceThenReplica)) {
      const state = await this.state(name);
      states.set(name, { ...state, elapsedMs: state.finishedAt.getTime() - requested });
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

  /** Runs a one-off role container (an intruder, say) on this project's network until it exits. */
  async run(command: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunResult> {
    return runOnce(command, env, { network: this.network, timeoutMs });
  }

  /** Removes every container and network of this project, as testcontainers started it. */
  /**
   * Records every exit of the project's containers from now on, restarts included, from Docker's
   * `die` events. Live, because the engine keeps only its last 256 events for a later query.
   */
  async watchExits(): Promise<ExitWatch> {
    const label = [`com.docker.compose.project=${this.name}`];
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

  override async down(): Promise<void> {
    this.watches.splice(0).forEach((stream) => stream.destroy());
    await this.environment.down({ timeout: 2_000, removeVolumes: true });
  }
}

/**
 * Memory in use by each running container of a project, by name (`consumer-2`): the cgroup's
 * high-water mark where Docker reports one (cgroup v1), else the current usage.
 */
export async function projectMemory(project: string): Promise<Map<string, number>> {
  const docker = await dockerode();
  const running = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
  const sampled = await Promise.all(
    running.map(async (c) => {
      try {
        const { memory_stats: m } = await docker.getContainer(c.Id).stats({ stream: false, "one-shot": true });
        return [replicaName(c), m.max_usage ?? m.usage ?? 0] as const;
      } catch {
        return undefined; // it exited between the listing and the sample
      }
    }),
  );
  return new Map(sampled.filter((entry) => entry !== undefined));
}

const byServiceThenReplica = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });
