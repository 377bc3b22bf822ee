import { describe, expect, it } from "vitest";
import { chaosPerTest, firstAfter } from "./helpers/chaos.js";
import { projectMemory } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";

// Network drills on PUB-SUB: the subscriber cut off from both publishers for 10 s, a publisher
// frozen by `docker pause`, and a publisher's link limited to 1 Mbit/s. The count stream makes
// every update lost on the way visible in the subscriber's report.
const HEARTBEAT_MS = 1000;
const env = { PUB_ZIPS: "10000-10019", PUB_RATE: "200", ZIP_FILTER: "10001", UPDATES: "1000000", SUB_TIMEOUT_MS: "20000", LOG_EVERY: "1", HEARTBEAT_MS: String(HEARTBEAT_MS) };
const PARTITION_MS = 10_000;
const DEAD_MS = 3 * HEARTBEAT_MS + 1000;
const PUBS = ["weather-pub-1", "weather-pub-2"];

const update = /^weather-sub@\S+ update \d+\/\d+: 10001 -?\d+ from (\S+)(?: #(\d+))?$/;

describe("drill: network faults on PUB-SUB", () => {
  const labs = labsPerTest();
  const chaos = chaosPerTest();

  it("a subscriber partitioned 10 s resumes after the heal and counts exactly what was published meanwhile; a paused publisher is found dead", async () => {
    const lab = await labs.start("pubsub", { env });
    const faults = chaos.on(lab);
    await lab.waitForLine("weather-sub-1", / update 40\/\d+: /);
    // Times run from when the sidecar is done: its rules are in place (or gone) by then.
    await faults.partition("weather-sub");
    const cutAt = Date.now();
    // Both connections dropped by heartbeats, within 3 beats and a second.
    const detected = await Promise.all(PUBS.map((pub) => firstAfter(lab, "weather-sub-1", new RegExp(` WARN lost tcp://${pub}:5556 `), cutAt, DEAD_MS + 2000)));
    for (const ms of detected) expect(ms).toBeLessThanOrEqual(DEAD_MS);
    const remaining = cutAt + PARTITION_MS - Date.now();
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining)); // the outage's length, not a readiness wait
    await faults.heal("weather-sub");
    const healAt = Date.now();
    expect((await faults.rules("weather-sub")).get("weather-sub-1")).toEqual([]);

    // Updates from each publisher again (the subscription came back with the connection), then its count.
    const resumed = await Promise.all(PUBS.map((pub) => firstAfter(lab, "weather-sub-1", new RegExp(` update \\d+/\\d+: 10001 -?\\d+ from ${pub}( |$)`), healAt, 20_000)));
    const counted = PUBS.map((pub) => new RegExp(` WARN ${pub} counts (\\d+) updates for 10001: (\\d+) of them never arrived$`));
    await Promise.all(counted.map((pattern) => firstAfter(lab, "weather-sub-1", pattern, healAt, 20_000)));

    // The gap, from the subscriber's own update numbers: the publisher's count N at its first count
    // after the outage, minus the last update numbered before it, minus those that arrived unnumbered since.
    const lines = await lab.logs("weather-sub-1");
    const gaps = PUBS.map((pub, i) => {
      const lostAt = lines.findIndex((l) => l.includes(` WARN lost tcp://${pub}:5556 `));
      const countAt = lines.findIndex((l, j) => j > lostAt && counted[i]!.test(l));
      const [, n, never] = counted[i]!.exec(lines[countAt]!)!.map(Number) as [number, number, number];
      const before = lines.slice(0, lostAt).flatMap((l) => (update.exec(l)?.[1] === pub ? [Number(update.exec(l)![2])] : []));
      const last = before.at(-1)!;
      expect(Number.isNaN(last), `${pub}: last update before the outage is numbered`).toBe(false);
      const since = lines.slice(lostAt, countAt).filter((l) => update.exec(l)?.[1] === pub).length;
      expect(never, `${pub}: updates that never arrived`).toBe(n - last - since);
      // 200 updates/s over 20 zips: about 10 a second for 10001, so about 100 in 10 s.
      expect(never).toBeGreaterThan(PARTITION_MS / 1000 * 3);
      return never;
    });

    // docker pause: no FIN, no reset; only heartbeats tell.
    await faults.pause("weather-pub-2-1");
    const pausedAt = Date.now();
    // After a reconnect libzmq names the peer by its resolved address; only weather-pub-2 can go now.
    const pauseFound = await firstAfter(lab, "weather-sub-1", / WARN lost tcp:/, pausedAt, DEAD_MS + 2000);
    expect(pauseFound).toBeLessThanOrEqual(DEAD_MS);
    await faults.heal("weather-pub-2-1");
    expect((await faults.rules("weather-pub-2-1")).get("weather-pub-2-1")).toEqual([]);

    const stopped = await lab.stop("weather-sub-1");
    expect(stopped.exitCode).toBe(143);
    const last = await lab.logs("weather-sub-1");
    const report = last.find((l) => / lost: \d+ of \d+ updates the publishers' count streams accounted for$/.test(l));
    const lostTotal = Number(/ lost: (\d+) of /.exec(report ?? "")?.[1]);
    expect(lostTotal, `the subscriber's last lines:\n${last.slice(-15).join("\n")}`).toBeGreaterThanOrEqual(gaps[0]! + gaps[1]!);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      [
        `drill partition weather-sub ${PARTITION_MS / 1000} s (HEARTBEAT_MS=${HEARTBEAT_MS}): connections dropped after ${detected.map(s).join(" and ")}; updates resumed ${resumed.map(s).join(" and ")} after the heal`,
        `  lost during the outage: ${PUBS.map((pub, i) => `${pub} ${gaps[i]}`).join(", ")} (each equal to the publisher's count minus what arrived); report: ${report?.replace(/^\S+ /, "")}`,
        `drill pause weather-pub-2: the subscriber dropped it after ${s(pauseFound)}`,
      ].join("\n"),
    );
  });

  it("a publisher limited to 1 Mbit/s at a high rate: PUB drops at its high-water mark, memory stays bounded, the subscriber counts the loss", async () => {
    const UPDATES = 40_000;
    const fast = { ...env, PUB_ZIPS: "10001-10001", PUB_RATE: "50000", UPDATES: String(UPDATES), SUB_CONNECT: "tcp://weather-pub-1:5556", LOG_EVERY: "auto" };
    const lab = await labs.start("pubsub", { env: fast, services: ["weather-pub-1", "weather-sub"] });
    await chaos.on(lab).limit("weather-pub-1-1", "1mbit");
    const samples: number[] = [];
    let code: number | undefined;
    const exit = lab.waitForExit("weather-sub-1", 90_000).then((c) => (code = c));
    while (code === undefined) {
      const memory = (await projectMemory(lab.project)).get("weather-pub-1-1");
      if (memory !== undefined) samples.push(memory);
      await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 1000))]); // a sampling period
    }
    expect(code).toBe(0);
    const lines = await lab.logs("weather-sub-1");
    const [, lost, checked] = / lost: (\d+) of (\d+) updates /.exec(lines.find((l) => / lost: \d+ of \d+ updates /.test(l))!)!.map(Number) as [number, number, number];
    expect(lost).toBeGreaterThan(0);
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    const peak = Math.max(...samples);
    expect(peak).toBeLessThan(256 * 2 ** 20);
    console.log(`drill slow link weather-pub-1 at 1mbit, 50000 updates/s: subscriber got ${UPDATES}, lost ${lost} of ${checked} (${((100 * lost) / checked).toFixed(1)} %); publisher memory ${samples.map(mib).join(", ")} MiB (peak ${mib(peak)})`);
  });
});
