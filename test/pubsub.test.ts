import { describe, expect, it } from "vitest";
import { Lab } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";

const PUBLISHERS = ["weather-pub-1", "weather-pub-2"];
// 20 zips at 200 updates/s per publisher: about 20 matching updates a second reach the subscriber.
const base = { PUB_ZIPS: "10000-10019", PUB_RATE: "200", ZIP_FILTER: "10001", UPDATES: "20", SUB_TIMEOUT_MS: "10000" };

interface Logged {
  n: number;
  zip: string;
  temp: number;
  source: string;
  /** The update's number in its publisher's count for the zip; unknown before the first count arrived. */
  seq?: number;
}

/** The subscriber's per-update lines, `update 3/20: 10001 57 from weather-pub-2 #12` (no # before the first count). */
function updatesIn(lines: string[], total: number): Logged[] {
  const pattern = new RegExp(`^weather-sub@\\S+ update (\\d+)/${total}: (\\S+) (-?\\d+) from (\\S+)(?: #(\\d+))?$`);
  return lines.flatMap((line) => {
    const m = pattern.exec(line);
    return m ? [{ n: Number(m[1]), zip: m[2]!, temp: Number(m[3]), source: m[4]!, seq: m[5] === undefined ? undefined : Number(m[5]) }] : [];
  });
}

/** weather-sub's RESULT (docs/patterns/pubsub.md): the figures of its report table. */
interface Figures {
  updates: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  checked: number | null;
  dropped: number | null;
}
interface SubResult extends Figures {
  zip: string;
  rejected: number;
  verdict: string;
  publishers: Record<string, Figures>;
}

/** Checks one subscriber's whole run: every counted update, the report, and that it exited 0. */
async function expectFullReport(lab: Lab, name: string, zip: string, total: number): Promise<Logged[]> {
  expect(await lab.waitForExit(name)).toBe(0);
  const lines = await lab.logs(name);
  const updates = updatesIn(lines, total);
  expect(updates.map((u) => u.n)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  expect(updates.every((u) => u.zip === zip)).toBe(true);
  expect(lines.some((line) => / WARN /.test(line))).toBe(false);

  const temps = updates.map((u) => u.temp);
  const mean = temps.reduce((sum, t) => sum + t, 0) / temps.length;
  const result = await lab.result<SubResult>(name);
  expect(result).toMatchObject({ zip, updates: total, rejected: 0, verdict: "PASS", mean: Number(mean.toFixed(2)), min: Math.min(...temps), max: Math.max(...temps) });
  // Drops from the publishers' count streams: they accounted for updates, and none went missing.
  expect(result.checked).toBeGreaterThan(0);
  expect(result.dropped).toBe(0);
  // Numbered updates count up by one per publisher: nothing in between went missing.
  for (const source of new Set(updates.map((u) => u.source))) {
    const seqs = updates.filter((u) => u.source === source && u.seq !== undefined).map((u) => u.seq!);
    expect(seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1), `${source}: ${seqs.join(",")}`).toBe(true);
  }
  return updates;
}

describe("pubsub profile", () => {
  const labs = labsPerTest();

  it("counts only the filtered zip, from both publishers, and reports the mean of what it logged", async () => {
    const lab = await labs.start("pubsub", { env: { ...base, UPDATES: "40" } });

    const updates = await expectFullReport(lab, "weather-sub-1", "10001", 40);
    const lines = await lab.logs("weather-sub-1");
    const { publishers } = await lab.result<SubResult>("weather-sub-1");
    expect(Object.keys(publishers)).toEqual(PUBLISHERS);
    for (const publisher of PUBLISHERS) {
      const own = updates.filter((u) => u.source === publisher);
      expect(own.length).toBeGreaterThan(0);
      expect(publishers[publisher]!.updates).toBe(own.length);
    }
    expect(updates.every((u) => PUBLISHERS.includes(u.source))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/ subscribed to "10001 " and "#sent 10001 " on 2 publisher\(s\); counting 40 updates$/));

    for (const publisher of PUBLISHERS) {
      const stopped = await lab.stop(`${publisher}-1`);
      expect(stopped.exitCode).toBe(0);
      expect(stopped.elapsedMs).toBeLessThan(2_000);
      expect(await lab.logs(`${publisher}-1`)).toContainEqual(expect.stringMatching(/ published \d+ updates in all$/));
    }
  });

  it("gives every scaled subscriber its own full stream", async () => {
    const lab = await labs.start("pubsub", { env: { ...base, UPDATES: "60" }, scale: { "weather-sub": 2 } });
    const names = await lab.names("weather-sub");
    expect(names).toEqual(["weather-sub-1", "weather-sub-2"]);
    const [a, b] = [await expectFullReport(lab, names[0]!, "10001", 60), await expectFullReport(lab, names[1]!, "10001", 60)];

    // Fan-out, not load balancing: while both were subscribed, each got every update the other got,
    // the same update under the same number (from the publisher's count stream), with the same temperature.
    for (const publisher of PUBLISHERS) {
      const numbered = (updates: Logged[]) => updates.filter((u) => u.source === publisher && u.seq !== undefined).map((u) => [u.seq!, u.temp]);
      const [seqsA, seqsB] = [numbered(a), numbered(b)];
      const from = Math.max(seqsA[0]![0]!, seqsB[0]![0]!);
      const to = Math.min(seqsA.at(-1)![0]!, seqsB.at(-1)![0]!);
      const within = (list: number[][]) => list.filter(([seq]) => seq! >= from && seq! <= to);
      expect(within(seqsA).length).toBeGreaterThan(0);
      expect(within(seqsA)).toEqual(within(seqsB));
    }
  });

  it("follows another ZIP_FILTER, zero-padded", async () => {
    const lab = await labs.start("pubsub", { env: { ...base, PUB_ZIPS: "00040-00059", ZIP_FILTER: "00042" } });
    await expectFullReport(lab, "weather-sub-1", "00042", 20);
  });
});
