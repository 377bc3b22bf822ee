// The tutorial's pyzmq scripts (services/tutorial/*.py) as containers on a lab's network.
import type Dockerode from "dockerode";
import { afterEach } from "vitest";
import { dockerode } from "./compose-project.js";
import { exitOf, linesOf, waitForLines } from "./container-logs.js";
import type { Lab } from "./lab.js";
import { tutorialImage } from "./repo.js";

/** One running script: its printed lines and, once it ends, its exit code. */
export class Script {
  constructor(
    readonly name: string,
    private readonly container: Dockerode.Container,
  ) {}

  lines(): Promise<string[]> {
    return linesOf(this.container);
  }

  waitForExit(timeoutMs = 60_000): Promise<number> {
    return exitOf(this.container, this.name, timeoutMs);
  }

  /** Follows its output until `count` lines match: a readiness signal, never a fixed sleep. */
  waitForLines(pattern: RegExp, count = 1, timeoutMs = 30_000): Promise<string[]> {
    return waitForLines(this.container, this.name, pattern, count, timeoutMs);
  }
}

/**
 * Starts tutorial scripts on a lab's network for one test file, under a DNS `alias` when roles
 * must find them by a service name, and removes them after each test, before the lab goes down.
 * Register it after `labsPerTest()`: vitest runs afterEach hooks last-registered first.
 */
export function tutorialScripts(): { start: (lab: Lab, script: string, args?: string[], alias?: string) => Promise<Script> } {
  const started: Dockerode.Container[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((container) => container.remove({ force: true })));
  });
  return {
    async start(lab, script, args = [], alias) {
      const container = await (await dockerode()).createContainer({
        Image: tutorialImage,
        Cmd: ["python3", script, ...args],
        HostConfig: { NetworkMode: lab.network, Init: true },
        NetworkingConfig: { EndpointsConfig: { [lab.network]: { Aliases: alias ? [alias] : [] } } },
      });
      started.push(container);
      await container.start();
      return new Script(`${script}${alias ? ` (${alias})` : ""}`, container);
    },
  };
}
