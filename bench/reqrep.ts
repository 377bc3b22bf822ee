// The reqrep target of issue #17: the real roles (one req-client → one rep-server, zero work,
// default settings) beside the libzmq C and pyzmq REQ/REP anchors, each on two containers of a
// compose network. The three take turns, three rounds each; the table gives each round's p50 and
// the median, and the target is the lab's median p50 within 1.5× C's.
import { loadavg } from "node:os";
import { anchorLatency, median, type Impl } from "./anchors.js";
import { ratio } from "./figures.js";
import { markdownTable, times } from "./markdown.js";
import { benchProject, finished } from "./projects.js";

export type ReqRepImpl = "lab" | Impl;
export interface ReqRepRound {
  impl: ReqRepImpl;
  round: number;
  rounds: number;
  p50: number;
  p99: number;
  /** The 1-minute load average when the round started. */
  load: number;
}

/** The lab's p50 over C's must not exceed this. */
export const REQREP_TARGET = 1.5;
const REQUESTS = 10_000;
const ROUNDS = 3;

/** One req-client and one rep-server, as `npm run lab -- reqrep` starts them: the round trips of the client's RESULT. */
async function labRound(): Promise<{ rounds: number; p50: number; p99: number }> {
  await using project = await benchProject("reqrep-roles", "reqrep", { REQUESTS: String(REQUESTS), REP_WORK_MS: "0" });
  await project.up([]);
  await finished(project, "req-client", 120_000);
  const [client] = await project.names("req-client");
  const result = await project.result<{ replies: number; roundTripUs?: { p50: number; p99: number } }>(client!);
  if (result.replies !== REQUESTS || !result.roundTripUs) throw new Error(`req-client: ${result.replies} of ${REQUESTS} replies`);
  return { rounds: result.replies, ...result.roundTripUs };
}

/** Three rounds of each, taking turns, so a burst of load from other jobs hits all three alike. */
export async function reqrepRounds(say: (message: string) => void): Promise<ReqRepRound[]> {
  const rounds: ReqRepRound[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const impl of ["lab", "c", "pyzmq"] as const) {
      say(`reqrep round trips, ${impl} (${round}/${ROUNDS})`);
      const load = loadavg()[0]!;
      try {
        const { rounds: n, p50, p99 } = impl === "lab" ? await labRound() : await anchorLatency(impl, String(REQUESTS));
        rounds.push({ impl, round, rounds: n, p50, p99, load });
      } catch (err) {
        say(`reqrep ${impl} failed: ${(err as Error).message}`);
      }
    }
  }
  return rounds;
}

/** The table: each round's p50, the medians, the lab's as a ratio to C's and pyzmq's, and the target. */
export function reqrepMarkdown(rounds: ReqRepRound[]): string[] {
  const of = (impl: ReqRepImpl) => rounds.filter((r) => r.impl === impl);
  const p50 = (impl: ReqRepImpl) => median(of(impl).map((r) => r.p50));
  const [c, py, lab] = [p50("c"), p50("pyzmq"), p50("lab")];
  const label: Record<ReqRepImpl, string> = { lab: "lab `req-client` → `rep-server`", c: "libzmq C (anchor)", pyzmq: "pyzmq (anchor)" };
  const loads = rounds.map((r) => r.load);
  const met = ratio(lab, c) <= REQREP_TARGET;
  return [
    `**reqrep round trip**, one client, one request at a time, ${REQUESTS} round trips per round, across containers, ` +
      `median of ${ROUNDS} rounds taking turns (load average ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)})`,
    "",
    ...markdownTable(
      ["round trip", "p50 µs (each round)", "p99 µs (each round)", "p50 µs (median)", "÷ C", "÷ pyzmq"],
      (["lab", "c", "pyzmq"] as const).map((impl) => [
        label[impl],
        of(impl).map((r) => r.p50).join(", "),
        of(impl).map((r) => r.p99).join(", "),
        String(p50(impl)),
        times(ratio(p50(impl), c)),
        times(ratio(p50(impl), py)),
      ]),
    ),
    "",
    `Target: lab p50 ≤ ${REQREP_TARGET}× C's: ${times(ratio(lab, c))}, ${Number.isFinite(ratio(lab, c)) ? (met ? "met" : "not met") : "not measured"}`,
  ];
}
