import { describe, expect, it } from "vitest";
import type { LabOptions } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/pipeline.js";

// Drill: `docker compose stop` on each profile while traffic flows. Every container must exit
// within 2 s of the stop command, as its own state records it, after logging that it stopped: a
// server (or a worker) with 0, a role whose verdict was still to come with 143 (128 + SIGTERM),
// since it did not succeed, saying so in one line.
const STOP_LIMIT_MS = 2_000;
const UNFINISHED = / WARN stopped by SIGTERM before its verdict: exit 143$/;

const pipelineEnv = {
  ...base,
  TASKS: "100",
  // About 0.5 s of CPU per task: each consumer is in the middle of one when the stop lands.
  TASK_MODE: "cpu",
  TASK_COST: "250000",
};

interface Case {
  profile: string;
  options: LabOptions;
  /** Every container of the profile, as `docker compose stop` must find it running. */
  containers: number;
  /** Log lines that show traffic flowing: container name → pattern. */
  flowing: Array<[name: string, pattern: RegExp]>;
  /** The services whose job ends in a verdict, stopped before it: they exit 143, the rest 0. */
  verdicts: string[];
}

const cases: Case[] = [
  {
    profile: "pair",
    containers: 2,
    options: { env: { PAIR_MESSAGES: "100000", PAIR_INTERVAL_MS: "50", PAIR_TIMEOUT_MS: "5000" } },
    flowing: [["pair-server-1", / reply 5: /]],
    verdicts: ["pair-client"],
  },
  {
    profile: "reqrep",
    containers: 4,
    options: {
      env: { REQUESTS: "100000", REP_WORK_MS: "50", REP_IDLE_MS: "2000", REQ_TIMEOUT_MS: "5000", REQ_RETRIES: "2", CLIENT_ID: "" },
      scale: { "req-client": 3 },
    },
    flowing: ["req-client-1", "req-client-2", "req-client-3"].map((name) => [name, / reply 3\/100000: /]),
    verdicts: ["req-client"],
  },
  {
    profile: "pubsub",
    containers: 3,
    options: { env: { PUB_ZIPS: "10000-10019", PUB_RATE: "200", ZIP_FILTER: "10001", UPDATES: "100000", SUB_TIMEOUT_MS: "10000" } },
    flowing: [["weather-sub-1", / update 20\/100000: /]],
    verdicts: ["weather-sub"],
  },
  {
    profile: "pipeline",
    containers: 5,
    options: { env: pipelineEnv, scale: { consumer: 3 } },
    flowing: [["collector-1", / result 3\/(?:100|\?) from /]],
    verdicts: ["collector"],
  },
];

describe("drill: clean stop under load", () => {
  const labs = labsPerTest();

  it.each(cases)("$profile: docker compose stop ends every container within 2 s, unfinished verdicts with 143", async ({ profile, containers, options, flowing, verdicts }) => {
    const lab = await labs.start(profile, options);
    for (const [name, pattern] of flowing) await lab.waitForLine(name, pattern);

    const states = await lab.stopAll();
    expect(states.size).toBe(containers);
    const figures: string[] = [];
    for (const [name, state] of states) {
      figures.push(`${name} exit ${state.exitCode} in ${state.elapsedMs} ms`);
      expect.soft(state.running, `${name} still running`).toBe(false);
      const verdict = verdicts.includes(name.replace(/-\d+$/, ""));
      expect.soft(state.exitCode, `${name} exit code`).toBe(verdict ? 143 : 0);
      expect.soft(state.elapsedMs, `${name} stop time`).toBeLessThan(STOP_LIMIT_MS);
      const lines = await lab.logs(name);
      expect.soft(lines, `${name} log`).toContainEqual(expect.stringMatching(/ SIGTERM received, closing sockets$/));
      // The last line says how it ended: why the exit code is not 0, or that a server simply stopped.
      expect.soft(lines.at(-1), `${name} last line`).toMatch(verdict ? UNFINISHED : / stopped$/);
      expect.soft(lines.filter((l) => / ERROR /.test(l)), `${name} errors`).toEqual([]);
    }
    console.log(`drill clean stop, ${profile}: ${figures.join(", ")}`);
  });
});
