import { afterAll, describe, expect, it } from "vitest";
import { labKeys } from "./helpers/keys.js";
import { type ExitWatch, type Lab, projectMemory } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { base as pipelineBase } from "./helpers/pipeline.js";
import { base as reqrepBase } from "./helpers/reqrep.js";

// Drill: one peer sends a message that never ends (frames with MORE always set). libzmq buffers
// it whole, so the target grows until the kernel kills it at its compose memory limit (128 MiB):
// only that container dies, a server comes back by its restart policy, and every other role goes
// on. With CURVE on, an outsider without keys never gets past the greeting. The subscription
// flood: a publisher refuses subscriptions over 512 bytes, so 2 000 of 60 KiB leave it as it was.
const MIB = 2 ** 20;

/** The intruder's endless message against `target`, declaring itself a `socket`. */
async function endless(lab: Lab, target: string, socket: string, frameBytes = 60 * 1024) {
  const run = await lab.run(["node", "dist/intruder/intruder.js"], {
    INTRUDER_TARGET: target,
    INTRUDER_SOCKET: socket,
    INTRUDER_ACTION: "endless",
    INTRUDER_FRAME_BYTES: String(frameBytes),
    INTRUDER_WAIT_MS: "10000",
  });
  expect(run.exitCode, run.lines.join("\n")).toBe(0);
  const line = run.lines.find((l) => / endless: /.test(l)) ?? "";
  // The target hung up: reset by its death, or closed at the greeting.
  expect(line, target).toMatch(/ endless: \d+ bytes \(\S+ MiB\) sent, then the target closed the connection/);
  return Number(/ endless: (\d+) bytes/.exec(line)![1]);
}

/** The target died at its memory limit, exit 137; with a restart policy it is back and ready. */
async function expectOomKilled(lab: Lab, watch: ExitWatch, name: string, { restarts }: { restarts: boolean }) {
  await expect.poll(() => watch.of(name).map((exit) => exit.exitCode), { timeout: 10_000, interval: 100 }).toEqual([137]);
  const exits = watch.of(name);
  const state = await lab.state(name);
  expect(state.oomKilled, name).toBe(true);
  if (!restarts) {
    expect(state).toMatchObject({ running: false, restartCount: 0 });
    return 0;
  }
  expect(state.restartCount, name).toBeGreaterThanOrEqual(1);
  // Back: a second readiness line, from the same container.
  await expect.poll(async () => (await lab.logs(name)).filter((l) => / ready: /.test(l)).length, { timeout: 15_000, interval: 200 }).toBe(2);
  const ready = (await lab.timedLogs(name)).filter(({ line }) => / ready: /.test(line));
  return (ready[1]!.at.getTime() - exits[0]!.at.getTime()) / 1000;
}

/** Nobody else was killed or restarted. */
async function expectUntouched(lab: Lab, names: string[]) {
  for (const name of names) {
    const state = await lab.state(name);
    const exit = state.running ? "running" : state.exitCode;
    expect({ name, oomKilled: state.oomKilled, restartCount: state.restartCount, exit }).toEqual({ name, oomKilled: false, restartCount: 0, exit: expect.toBeOneOf(["running", 0]) });
  }
}

describe("drill: the endless multipart message", () => {
  const labs = labsPerTest();

  it("kills only rep-server, which comes back; the clients' Lazy Pirate retries finish every request", async () => {
    const env = { ...reqrepBase, REQUESTS: "15", REQ_TIMEOUT_MS: "1500", REQ_RETRIES: "4", REQ_BACKOFF: "off" };
    const lab = await labs.start("reqrep", { env, scale: { "req-client": 2 } });
    const watch = await lab.watchExits();
    const clients = await lab.names("req-client");
    for (const name of clients) await lab.waitForLine(name, / reply 1\/15: /);
    const sent = await endless(lab, "tcp://rep-server:5555", "dealer");
    const back = await expectOomKilled(lab, watch, "rep-server-1", { restarts: true });
    expect(await Promise.all(clients.map((name) => lab.waitForExit(name)))).toEqual([0, 0]);
    await expectUntouched(lab, clients);
    console.log(`endless message to rep-server: ${(sent / MIB).toFixed(1)} MiB in, OOM-killed (exit 137), ready again ${back.toFixed(1)} s after`);
  });

  it("kills only the weather publisher it targets; 2 000 subscriptions of 60 KiB leave the other as it was", async () => {
    const env = { PUB_ZIPS: "10000-10019", PUB_RATE: "200", ZIP_FILTER: "10001", UPDATES: "60", SUB_TIMEOUT_MS: "10000" };
    const lab = await labs.start("pubsub", { env });
    const watch = await lab.watchExits();
    // The flood: every subscription is over the publishers' 512-byte limit, so libzmq drops the peer each time.
    const flood = await lab.run(["node", "dist/intruder/intruder.js"], {
      INTRUDER_TARGET: "tcp://weather-pub-2:5556",
      INTRUDER_SOCKET: "sub",
      INTRUDER_ACTION: "subscribe",
      INTRUDER_COUNT: "2000",
      INTRUDER_FRAME_BYTES: String(60 * 1024),
      INTRUDER_WAIT_MS: "3000",
    });
    expect(flood.lines).toContainEqual(expect.stringMatching(/ subscribe: held 2000 subscriptions of 61440 bytes for 3000 ms$/));
    const peak = (await projectMemory(lab.project)).get("weather-pub-2-1")!;
    // Measured without the limit: 50 such subscriptions took a publisher to 160 MiB.
    expect(peak).toBeLessThan(48 * MIB);

    // A publisher's inbound frames are capped at 512 bytes, so its endless message is of small frames.
    const sent = await endless(lab, "tcp://weather-pub-1:5556", "sub", 500);
    const back = await expectOomKilled(lab, watch, "weather-pub-1-1", { restarts: true });
    expect(await lab.waitForExit("weather-sub-1")).toBe(0);
    await expectUntouched(lab, ["weather-pub-2-1", "weather-sub-1"]);
    console.log(
      `2000 × 60 KiB subscriptions: weather-pub-2 peak ${(peak / MIB).toFixed(1)} MiB; ` +
        `endless message of 500-byte frames to weather-pub-1: ${(sent / MIB).toFixed(1)} MiB in, OOM-killed, ready again ${back.toFixed(1)} s after`,
    );
  });

  it("kills the collector, then the producer, each alone; roles with a verdict stay down", async () => {
    const env = { ...pipelineBase, TASKS: "120", TASK_MODE: "sleep", TASK_SLEEP_MS: "250" };
    const lab = await labs.start("pipeline", { env, scale: { consumer: 2 } });
    const watch = await lab.watchExits();
    // A result can come before the batch start, as `result 1/?`.
    await lab.waitForLine("collector-1", / result 1\/(120|\?) from /);
    // Mid-batch: the collector first, as the batch would end without it while the producer waits for its word.
    const toCollector = await endless(lab, "tcp://collector:5558", "push");
    await expectOomKilled(lab, watch, "collector-1", { restarts: false });
    await expectUntouched(lab, ["producer-1", "consumer-1", "consumer-2"]);
    // The producer's PUSH socket never reads, yet libzmq buffers what a peer sends it.
    const toProducer = await endless(lab, "tcp://producer:5557", "pull");
    await expectOomKilled(lab, watch, "producer-1", { restarts: false });
    await expectUntouched(lab, ["consumer-1", "consumer-2"]);
    console.log(`endless message: producer ${(toProducer / MIB).toFixed(1)} MiB in, collector ${(toCollector / MIB).toFixed(1)} MiB in, each OOM-killed alone`);
  });

  describe("with CURVE on", () => {
    // The lab's keys in a throwaway folder, as npm run keys writes them.
    const keys = labKeys();
    afterAll(() => keys[Symbol.dispose]());

    it("an outsider without keys is closed at the greeting: nothing buffered, nobody killed", async () => {
      const env = { ...reqrepBase, REQUESTS: "5", ZMQ_CURVE: "on", ZMQ_LAB_KEYS_DIR: keys.dir };
      const lab = await labs.start("reqrep", { env, services: ["rep-server"] });
      const sent = await endless(lab, "tcp://rep-server:5555", "dealer");
      // The greeting and READY only: no frame goes out before the target's own READY.
      expect(sent).toBeLessThan(1024);
      await expectUntouched(lab, ["rep-server-1"]);
      expect((await lab.state("rep-server-1")).running).toBe(true);
    });
  });
});
