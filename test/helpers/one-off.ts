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
