import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";

// Drill: weather-pub-1 restarts while the subscriber counts. Its SUB socket reconnects and
// resubscribes on its own, so updates from weather-pub-1 come back, and its count stream starts again.
const UPDATES = 160;
const env = { PUB_ZIPS: "10000-10019", PUB_RATE: "200", ZIP_FILTER: "10001", UPDATES: String(UPDATES), SUB_TIMEOUT_MS: "10000", LOG_EVERY: "1" };

interface Logged {
  n: number;
  source: string;
  seq: number;
}

function updatesIn(lines: string[]): Logged[] {
  // Every update; `seq` is NaN for those logged before their publisher's first count.
  const pattern = new RegExp(`^weather-sub@\\S+ update (\\d+)/${UPDATES}: 10001 -?\\d+ from (\\S+)(?: #(\\d+))?$`);
  return lines.flatMap((line) => {
    const m = pattern.exec(line);
    return m ? [{ n: Number(m[1]), source: m[2]!, seq: Number(m[3]) }] : [];
  });
}

describe("drill: a publisher restarts", () => {
  const labs = labsPerTest();

  it("the subscriber keeps its stream: weather-pub-1's updates return after the restart, its count started again", async () => {
    const lab = await labs.start("pubsub", { env });
    // Well into the stream: an update numbered 20 or more, from weather-pub-1.
    await lab.waitForLine("weather-sub-1", new RegExp(` update ([2-9]\\d|1\\d\\d)/${UPDATES}: \\S+ -?\\d+ from weather-pub-1 `));
    await lab.restart("weather-pub-1-1");

    expect(await lab.waitForExit("weather-sub-1", 60_000)).toBe(0);
    const lines = await lab.logs("weather-sub-1");
    const updates = updatesIn(lines);
    expect(updates.map((u) => u.n)).toEqual(Array.from({ length: UPDATES }, (_, i) => i + 1));
    const result = await lab.result<{ updates: number; rejected: number; dropped: number; publishers: Record<string, { updates: number }> }>("weather-sub-1");
    expect(result).toMatchObject({ updates: UPDATES, rejected: 0, verdict: "PASS" });
    expect(Object.values(result.publishers).filter((p) => p.updates > 0)).toHaveLength(2);

    // weather-pub-1's count for 10001 drops exactly once: the restart. Before and after, it rises by one per update.
    const pub1 = updates.filter((u) => u.source === "weather-pub-1" && !Number.isNaN(u.seq));
    const restartAt = pub1.findIndex((u, i) => i > 0 && u.seq < pub1[i - 1]!.seq);
    expect(restartAt, "weather-pub-1's seq never restarted").toBeGreaterThan(0);
    const [before, after] = [pub1.slice(0, restartAt), pub1.slice(restartAt)];
    for (const run of [before, after]) expect(run.every((u, i) => i === 0 || u.seq === run[i - 1]!.seq + 1)).toBe(true);
    expect(after.length).toBeGreaterThan(0);

    // The subscriber saw the connection go and come back, and weather-pub-2 carried on meanwhile.
    // One socket per publisher: weather-pub-1's has no peer left, and gets one again.
    const lost = lines.findIndex((l) => / WARN lost tcp:\/\/weather-pub-1:5556 \(0 connected\)/.test(l));
    expect(lost).toBeGreaterThan(0);
    // libzmq reports the reconnect by the address it resolved, not by the service name.
    expect(lines.slice(lost)).toContainEqual(expect.stringMatching(/ connected to tcp:\/\/\S+:5556 \(1 connected\)$/));
    // The count streams accounted for updates, and none went missing.
    expect(result.dropped).toBe(0);
    const gap = updates.filter((u) => u.n > before.at(-1)!.n && u.n < after[0]!.n);
    expect(gap.length).toBeGreaterThan(0);

    // The publisher's own log: two runs, the first one stopped cleanly after publishing what the subscriber saw.
    const pubLines = await lab.logs("weather-pub-1-1");
    expect(pubLines.filter((l) => / ready: bound tcp:\/\/\*:5556/.test(l))).toHaveLength(2);
    const firstRun = Number(/ published (\d+) updates in all$/.exec(pubLines.find((l) => / published \d+ updates in all$/.test(l)) ?? "")?.[1]);
    // Its count for one zip of 20 is a share of all it published.
    expect(before.at(-1)!.seq).toBeLessThan(firstRun);

    console.log(
      `drill publisher restart: weather-pub-1 gave ${before.length} updates (last #${before.at(-1)!.seq} for 10001, of ${firstRun} published in all), ` +
        `then ${gap.length} from weather-pub-2 alone, then ${after.length} more from the restarted weather-pub-1 (first #${after[0]!.seq})`,
    );
  });
});
