import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectName, repoRoot, type Lab, type LabOptions } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { memoryRows, watchMemory } from "./helpers/load.js";
import { announced, collected } from "./helpers/pipeline.js";
import { resultOf } from "../services/runtime/log.js";

// Each profile at ten times its README example, with default settings: only a small REQUESTS
// (reqrep) keeps the run short. Figures printed here go to docs/load.md.

/** Every variable a profile's compose file passes to its roles, set empty: each role's own default. */
function defaultsOf(profile: string): Record<string, string> {
  const text = readFileSync(join(repoRoot, "compose", `${profile}.yaml`), "utf8") + readFileSync(join(repoRoot, "compose", "roles.yaml"), "utf8");
  const names = [...text.matchAll(/\$\{([A-Z][A-Z0-9_]*):-\}/g)].map((m) => m[1]!);
  return Object.fromEntries(names.map((name) => [name, ""]));
}

/**
 * Starts a profile, samples memory until `run` is done, and prints per role the peak memory and the
 * wall time: from the start command to the last container's exit (servers still up don't count).
 */
async function measured(labs: ReturnType<typeof labsPerTest>, label: string, profile: string, options: LabOptions, run: (lab: Lab) => Promise<void>) {
  const started = Date.now();
  const project = projectName(profile);
  // From before the start: a replica may finish before the last one is up.
  const memory = watchMemory(project);
  let lab: Lab | undefined;
  try {
    lab = await labs.start(profile, { ...options, project, env: { ...defaultsOf(profile), ...options.env } });
    await run(lab);
  } finally {
    const peaks = await memory.stop();
    let ended = started;
    for (const state of await Promise.all([...(lab ? peaks.keys() : [])].map((name) => lab!.state(name)))) {
      if (!state.running) ended = Math.max(ended, state.finishedAt.getTime());
    }
    memoryRows(label, peaks, ended - started).forEach((row) => console.log(row));
  }
}

const codesOf = (lab: Lab, names: string[]) => Promise.all(names.map((name) => lab.waitForExit(name, 180_000)));
// Every replica's log at once: one after another, 30 reads cost seconds on a loaded engine.
const logsOf = (lab: Lab, names: string[]) => Promise.all(names.map((name) => lab.logs(name)));
const count = (codes: number[], code: number) => codes.filter((c) => c === code).length;

describe("load: every profile at ten times its example scale, default settings", () => {
  const labs = labsPerTest();

  it("reqrep, 30 clients: REQ_BACKOFF=off storms the server and most clients give up; the default answers every request", async () => {
    const REQUESTS = 5;
    const CLIENTS = 30;
    const replies = (lines: string[]) => lines.flatMap((l) => /^req-client@\S+ reply (\d+)\/\d+: /.exec(l)?.[1] ?? []).map(Number);

    // The classic Lazy Pirate: a fixed 3 s timeout while a full round of 30 requests takes 9 s.
    await measured(labs, "reqrep REQ_BACKOFF=off", "reqrep", { env: { REQUESTS: String(REQUESTS), REQ_BACKOFF: "off" }, scale: { "req-client": CLIENTS } }, async (lab) => {
      const names = await lab.names("req-client");
      const codes = await codesOf(lab, names);
      expect(codes.every((code) => code === 0 || code === 3), `exit codes ${codes}`).toBe(true);
      // Observed 27 of 30 on 2 cores; how many depends on how fast 30 containers start, so the bar is lower.
      expect(count(codes, 3), `exit codes ${codes}`).toBeGreaterThanOrEqual(CLIENTS / 3);
      let received = 0;
      for (const [i, lines] of (await logsOf(lab, names)).entries()) {
        const answered = replies(lines).length;
        received += answered;
        if (codes[i] !== 3) continue;
        // The hint is the truth: connected, and exactly as many answered as the client logged.
        expect(lines.findLast((l) => / ERROR /.test(l))).toMatch(
          new RegExp(`ERROR no reply to request ${answered + 1}/${REQUESTS}: connected to tcp://rep-server:5555, but no reply within \\d+ ms over 3 attempts \\(server busy\\? ${answered} of ${REQUESTS} requests answered so far\\)`),
        );
      }
      // Why it storms: the server also did the work for copies whose client had given up on them.
      // The server's own report, once the storm is over and it has been idle (per-request lines may be sampled).
      const idleLine = / idle for \d+ ms: answered (\d+) requests/;
      await lab.waitForLine("rep-server-1", idleLine);
      const served = Number(idleLine.exec((await lab.logs("rep-server-1")).findLast((l) => idleLine.test(l))!)![1]);
      expect(served).toBeGreaterThan(received);
      console.log(`load reqrep REQ_BACKOFF=off: ${count(codes, 3)} of ${CLIENTS} clients exit 3; the server answered ${served} requests, the clients received ${received} replies`);
    });

    await measured(labs, "reqrep", "reqrep", { env: { REQUESTS: String(REQUESTS) }, scale: { "req-client": CLIENTS } }, async (lab) => {
      const names = await lab.names("req-client");
      expect(names).toHaveLength(CLIENTS);
      expect(await codesOf(lab, names)).toEqual(names.map(() => 0));
      let resent = 0;
      for (const lines of await logsOf(lab, names)) {
        expect(replies(lines)).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
        expect(resultOf(lines)).toMatchObject({ replies: REQUESTS, verdict: "PASS" });
        expect(lines.filter((l) => / ERROR /.test(l))).toEqual([]);
        resent += lines.filter((l) => / resending on a fresh socket/.test(l)).length;
      }
      // Exact totals: the server answered every request once, plus any copy a client did resend.
      const idle = await lab.waitForLine("rep-server-1", / idle for \d+ ms: answered \d+ requests from \d+ clients/);
      expect(idle).toMatch(new RegExp(` answered ${CLIENTS * REQUESTS + resent} requests from ${CLIENTS} clients, 0 rejected$`));
    });
  });

  it("pubsub, 30 subscribers: every one gets its full stream and exits 0", async () => {
    await measured(labs, "pubsub", "pubsub", { scale: { "weather-sub": 30 } }, async (lab) => {
      const names = await lab.names("weather-sub");
      expect(names).toHaveLength(30);
      expect(await codesOf(lab, names)).toEqual(names.map(() => 0));
      for (const [i, lines] of (await logsOf(lab, names)).entries()) {
        const name = names[i]!;
        // UPDATES defaults to 20: each subscriber counted 1..20, then its report.
        const counted = lines.flatMap((l) => / update (\d+)\/20: /.exec(l)?.[1] ?? []).map(Number);
        expect(counted, name).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(lines, name).toContainEqual(expect.stringMatching(/ report: 20 updates for zip 10001 .*, 0 rejected$/));
      }
    });
  });

  it("pipeline, 32 consumers: the collector's PASS, exact totals, every consumer did work and exits 0", async () => {
    await measured(labs, "pipeline", "pipeline", { scale: { consumer: 32 } }, async (lab) => {
      expect(await lab.waitForExit("collector-1", 180_000)).toBe(0);
      const batch = await announced(lab);
      const report = await collected(lab);
      expect(report).toMatchObject({ verdict: "PASS", count: batch.tasks, sum: batch.total, consumers: 32, announcedTasks: batch.tasks, announcedTotal: batch.total });
      expect(report.rows).toHaveLength(32);
      expect(report.rows.reduce((n, row) => n + row.count, 0)).toBe(batch.tasks);
      expect(report.rows.reduce((n, row) => n + row.sum, 0)).toBe(batch.total);
      expect(report.rows.every((row) => row.count > 0)).toBe(true);
      const consumers = await lab.names("consumer");
      expect(await codesOf(lab, consumers)).toEqual(consumers.map(() => 0));
      expect(await lab.waitForExit("producer-1")).toBe(0);
    });
  });

  it("pair, 10 clients: one is served at a time to the end, every other exits 3 within its timeout, told it is connected but not served", async () => {
    await measured(labs, "pair", "pair", { scale: { "pair-client": 10 } }, async (lab) => {
      const names = await lab.names("pair-client");
      const codes = await codesOf(lab, names);
      expect(codes.every((code) => code === 0 || code === 3), `exit codes ${codes}`).toBe(true);
      const winners: Array<{ startedAt: Date; finishedAt: Date }> = [];
      const states = await Promise.all(names.map((name) => lab.state(name)));
      for (const [i, lines] of (await logsOf(lab, names)).entries()) {
        const state = states[i]!;
        if (codes[i] === 0) {
          expect(lines.filter((l) => / received \d+\/10: /.test(l))).toHaveLength(10);
          winners.push(state);
          continue;
        }
        expect(lines.some((l) => / received /.test(l))).toBe(false);
        expect(lines.findLast((l) => / ERROR /.test(l))).toMatch(/ ERROR no message within 5000 ms: connected to tcp:\/\/pair-server:5555, but not being served: PAIR is exclusive/);
        // Quickly: PAIR_TIMEOUT_MS (5 s) after it started, with room for a loaded machine, never the winner's whole run.
        expect(state.finishedAt.getTime() - state.startedAt.getTime()).toBeLessThan(5_000 + 4_000);
      }
      // Usually exactly one. A client whose container started after the winner left is served too
      // (it connects to a free server); one that was already waiting never is.
      expect(winners.length).toBeGreaterThanOrEqual(1);
      winners.sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
      for (const [i, later] of winners.entries()) {
        if (i > 0) expect(later.startedAt.getTime()).toBeGreaterThan(winners[i - 1]!.finishedAt.getTime() - 4_000);
      }
      const replies = (await lab.logs("pair-server-1")).filter((l) => / reply \d+: /.test(l));
      expect(replies).toHaveLength(10 * winners.length);
    });
  });
});
