// One compose project of the lab on this Docker engine: `docker compose` for what a user would
// type, dockerode (through testcontainers' client) for containers, logs and exits. Shared by the
// integration tests (Lab builds on it) and the bench. `await using` takes it down at scope end.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type Dockerode from "dockerode";
import { getContainerRuntimeClient } from "testcontainers";
import { resultOf } from "../../services/runtime/log.js";
import { exitOf, linesOf, timedLinesOf, waitForLines, waitForResult, type TimedLine } from "./container-logs.js";
import { repoRoot } from "./repo.js";

export interface ComposeOptions {
  /** Profiles to enable, each as `--profile`. */
  profiles: string[];
  /** Compose files, as `-f` takes them (default: compose.yaml alone). */
  files?: string[];
  /** Environment for compose interpolation, set over the process's own. */
  env?: Record<string, string>;
  /** `--env-file` (the tests pass /dev/null so a developer's `.env` changes nothing). */
  envFile?: string;
}

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

export class ComposeProject implements AsyncDisposable {
  protected constructor(
    readonly name: string,
    protected readonly options: ComposeOptions,
    protected readonly docker: Dockerode,
  ) {}

  /** A handle on project `name`; nothing starts until `up`. */
  static async open(name: string, options: ComposeOptions): Promise<ComposeProject> {
    return new ComposeProject(name, options, await dockerode());
  }

  /** `docker compose <args>` on this project, its files, profiles and environment; its stdout. */
  async compose(args: string[], timeoutMs = 120_000): Promise<string> {
    const { profiles, files = [], env = {}, envFile } = this.options;
    const flags = [
      ...(envFile ? ["--env-file", envFile] : []),
      ...files.flatMap((file) => ["-f", file]),
      "--project-name",
      this.name,
      ...profiles.flatMap((profile) => ["--profile", profile]),
    ];
    try {
      const { stdout } = await exec("docker", ["compose", ...flags, ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (err) {
      const { message, stderr } = err as Error & { stderr?: string };
      throw new Error(`${this.name}: docker compose ${args.join(" ")}: ${message}${stderr ? `\n${stderr}` : ""}`);
    }
  }

  /** `up --detach` of `services` (default: the whole profile) from the built image, with `--scale` per service. */
  async up(services: string[] = [], scale: Record<string, number> = {}): Promise<void> {
    const flags = Object.entries(scale).flatMap(([service, n]) => ["--scale", `${service}=${n}`]);
    await this.compose(["up", "--detach", "--no-build", "--quiet-pull", ...flags, ...services]);
  }

  /** Container names of a service, running or exited, in replica order (e.g. consumer-1, consumer-2). */
  async names(service: string): Promise<string[]> {
    return (await this.list(service)).map(replicaName).sort(byReplica);
  }

  /** The container's log lines, stdout and stderr together. */
  async logs(name: string): Promise<string[]> {
    return linesOf(await this.container(name));
  }

  /** The container's log lines with Docker's own receive time of each. */
  async timedLogs(name: string): Promise<TimedLine[]> {
    return timedLinesOf(await this.container(name));
  }

  /** Every replica's timed log lines of one service, in time order. */
  async serviceLogs(service: string): Promise<TimedLine[]> {
    const all = await Promise.all((await this.names(service)).map((name) => this.timedLogs(name)));
    return all.flat().sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /** The role's RESULT (`RESULT {json}`, its one machine-readable line); throws if it wrote none. */
  async result<T = Record<string, unknown>>(name: string): Promise<T> {
    const found = resultOf(await this.logs(name));
    if (!found) throw new Error(`${name}: no RESULT line in its log`);
    return found as T;
  }

  /** Follows the log until the role writes its RESULT, and returns it: a role that ends with a verdict, without waiting for its exit. */
  async waitForResult<T = Record<string, unknown>>(name: string, timeoutMs = 60_000): Promise<T> {
    return (await waitForResult(await this.container(name), name, timeoutMs)) as T;
  }

  /** Follows the log until a line matches: a readiness signal, never a fixed sleep. */
  async waitForLine(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const [line] = await waitForLines(await this.container(name), name, pattern, 1, timeoutMs);
    return line!;
  }

  /** Waits for the container to exit and returns its exit code. */
  async waitForExit(name: string, timeoutMs = 60_000): Promise<number> {
    return exitOf(await this.container(name), name, timeoutMs);
  }

  /** Waits until every replica of `service` has exited; their exit codes by name. */
  async waitForService(service: string, timeoutMs = 60_000): Promise<Map<string, number>> {
    const names = await this.names(service);
    const codes = await Promise.all(names.map((name) => this.waitForExit(name, timeoutMs)));
    return new Map(names.map((name, i) => [name, codes[i]!]));
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

  /** The name of the project's network, for containers started beside the compose ones. */
  get network(): string {
    return `${this.name}_default`;
  }

  /** Removes every container, network and volume of the project. */
  async down(): Promise<void> {
    await this.compose(["down", "--timeout", "2", "--volumes", "--remove-orphans"]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }

  /** The project's containers, of one service or of all. */
  protected async list(service?: string): Promise<Dockerode.ContainerInfo[]> {
    const label = [`com.docker.compose.project=${this.name}`];
    if (service) label.push(`com.docker.compose.service=${service}`);
    return this.docker.listContainers({ all: true, filters: { label } });
  }

  /** The container named `<service>-<replica>`, as compose numbers replicas. */
  protected async container(name: string): Promise<Dockerode.Container> {
    const match = /^(.*)-(\d+)$/.exec(name);
    if (!match) throw new Error(`container name "${name}" is not <service>-<replica>`);
    const found = (await this.list(match[1]!)).find((c) => c.Labels["com.docker.compose.container-number"] === match[2]);
    if (!found) throw new Error(`container "${name}" not found in project ${this.name}`);
    return this.docker.getContainer(found.Id);
  }
}

/** The engine's API client, as testcontainers found and configured it. */
export async function dockerode(): Promise<Dockerode> {
  return (await getContainerRuntimeClient()).container.dockerode;
}

/** `consumer-2` for the second replica of service consumer, as compose numbers them. */
export const replicaName = (c: Dockerode.ContainerInfo) => `${c.Labels["com.docker.compose.service"]}-${c.Labels["com.docker.compose.container-number"]}`;

const byReplica = (a: string, b: string) => Number(a.split("-").pop()) - Number(b.split("-").pop());

const exec = promisify(execFile);
