// Network faults in tests: the chaos tool's library (chaos/chaos.ts) on a test's lab, healed at the
// end of the test, pass or fail, and checked: no rule, queue or pause may outlive its test.
import { afterEach, expect } from "vitest";
import { Chaos } from "../../chaos/chaos.js";
import type { Lab } from "./lab.js";

/** Call in a describe: `chaos.on(lab)` gives the lab's Chaos; after each test it heals and checks. */
export function chaosPerTest(): { on(lab: Lab): Chaos } {
  const opened: Chaos[] = [];
  afterEach(async () => {
    for (const chaos of opened.splice(0)) {
      await chaos.heal();
      for (const name of chaos.faulted) expect((await chaos.rules(name)).get(name), `faults left on ${name}`).toEqual([]);
    }
  });
  return {
    on(lab) {
      const chaos = new Chaos(lab.project, { say: (line) => console.log(line) });
      opened.push(chaos);
      return chaos;
    },
  };
}

/** Milliseconds from `since` to the first of the container's log lines matching `pattern` after it. */
export async function firstAfter(lab: Lab, name: string, pattern: RegExp, since: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await lab.timedLogs(name)).find(({ at, line }) => at.getTime() >= since && pattern.test(line));
    if (hit) return hit.at.getTime() - since;
    if (Date.now() > deadline) throw new Error(`${name}: no line matching ${pattern} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
