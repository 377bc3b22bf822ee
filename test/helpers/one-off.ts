// One container of the role image outside any compose project: an intruder on a lab's network,
// a bad-config run, or a bench role on the host's network. Removed when its scope ends.
import type Dockerode from "dockerode";
import { dockerode } from "./compose-project.js";
import { exitOf, linesOf } from "./container-logs.js";
import { roleImage } from "./repo.js";

export interface RunResult {
  exitCode: number;
  lines: string[];
}

export class OneOff implements AsyncDisposable {
  private constructor(
    readonly label: string,
    private readonly container: Dockerode.Container,
  ) {}

  /** Starts `command` in the role image with `env`, on `network` (a lab's, or "host"). */
  static async start(command: string[], env: Record<string, string>, { network }: { network?: string } = {}): Promise<OneOff> {
    const container = await (await dockerode()).createContainer({
      Image: roleImage,
      Cmd: command,
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      HostConfig: { NetworkMode: network, Init: true },
    });
    const started = new OneOff(command.join(" "), container);
    try {
      await container.start();
    } catch (err) {
      await started.remove();
      throw err;
    }
    return started;
  }

  /** Waits for the exit (bounded), then its code and log lines. */
  async finish(timeoutMs = 60_000): Promise<RunResult> {
    const exitCode = await exitOf(this.container, this.label, timeoutMs);
    return { exitCode, lines: await linesOf(this.container) };
  }

  /** SIGTERM with a 2 s backstop, for a role that only ends when told to. */
  async stop(): Promise<void> {
    await this.container.stop({ t: 2 }).catch(() => undefined);
  }

  async remove(): Promise<void> {
    await this.container.remove({ force: true }).catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }
}

/** Runs the role image once with `command` and `env`, waits for the exit, returns code and log. */
export async function runOnce(
  command: string[],
  env: Record<string, string>,
  { network, timeoutMs = 60_000 }: { network?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  await using container = await OneOff.start(command, env, { network });
  // Awaited here, so the container is removed only after its exit and log are read.
  return await container.finish(timeoutMs);
}

/** One process of `runEach`: its command and the environment it adds to the image's. */
export interface Run {
  command: string[];
  env: Record<string, string>;
}

// Inside the container: each run in turn as a child process of its own, stdout and stderr into one
// file (as a terminal interleaves them), then one JSON line with its exit code and that output.
const RUN_EACH = `
const { spawnSync } = require("node:child_process");
const { closeSync, openSync, readFileSync } = require("node:fs");
JSON.parse(process.argv[1]).forEach(({ command: [file, ...args], env }, i) => {
  const path = "/tmp/run-" + i;
  const fd = openSync(path, "w");
  const { status, signal, error } = spawnSync(file, args, { env: { ...process.env, ...env }, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  if (error) throw error;
  console.log(JSON.stringify({ i, status, signal, output: readFileSync(path, "utf8") }));
});
`;

/**
 * Runs several short-lived processes of the role image in ONE container, one after another, each
 * with its own environment; returns each one's exit code and log lines, in order. Starting a
 * container costs seconds on a loaded machine, a process a fraction of that: for checks of
 * processes that exit at once (bad configuration), not for roles that talk to each other.
 */
export async function runEach(runs: Run[], { timeoutMs = 120_000 }: { timeoutMs?: number } = {}): Promise<RunResult[]> {
  const { exitCode, lines } = await runOnce(["node", "-e", RUN_EACH, JSON.stringify(runs)], {}, { timeoutMs });
  const reports = lines.flatMap((line) => (line.startsWith('{"i":') ? [JSON.parse(line) as { i: number; status: number | null; signal: string | null; output: string }] : []));
  if (exitCode !== 0 || reports.length !== runs.length) throw new Error(`runEach: the runner exited ${exitCode} after ${reports.length} of ${runs.length} runs:\n${lines.join("\n")}`);
  return reports.map(({ i, status, signal, output }) => {
    if (status === null) throw new Error(`runEach: ${runs[i]!.command.join(" ")} ended by ${signal}`);
    return { exitCode: status, lines: output.split("\n").filter((line) => line.length > 0) };
  });
}
