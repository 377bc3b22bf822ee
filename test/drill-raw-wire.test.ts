import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { attack, expectRejected, KINDS } from "./helpers/drills.js";
import { labsPerTest } from "./helpers/labs.js";
import { collected, base as pipelineBase } from "./helpers/pipeline.js";
import { base as reqrepBase } from "./helpers/reqrep.js";

// Drill: bytes that are not ZeroMQ at all (an HTTP request, a broken greeting, 256 KiB of noise),
// each on a plain TCP connection, to every bound port of every profile while it works. Unlike the
// frame garbage of drill-garbage.test.ts this reaches PUB and PUSH ports too. Every role keeps
// working, its results are exact, and it reports each connection as a failed handshake.
describe("drill: raw bytes on every bound port", () => {
  const labs = labsPerTest();

  it("pair: pair-server:5555 rejects them and its client still completes every exchange", async () => {
    const env = { PAIR_BIND: "tcp://*:5555", PAIR_CONNECT: "tcp://pair-server:5555", PAIR_INTERVAL_MS: "300", PAIR_MESSAGES: "10", PAIR_TIMEOUT_MS: "5000" };
    const lab = await labs.start("pair", { env });
    await lab.waitForLine("pair-client-1", / received 1\/10: /);
    await attack(lab, ["tcp://pair-server:5555"]);

    expect(await lab.waitForExit("pair-client-1")).toBe(0);
    expect(await lab.result("pair-client-1")).toMatchObject({ exchanges: 10, messages: 10, verdict: "PASS" });
    const server = await lab.stop("pair-server-1");
    expect(server.exitCode).toBe(0);
    expect(await lab.result("pair-server-1")).toMatchObject({ replies: 10, rejected: 0 });
    await expectRejected(lab, "pair-server-1", KINDS);
    console.log(`drill raw wire, pair: pair-server rejected ${KINDS} connections, 10 of 10 exchanges, exit 0`);
  });

  it("reqrep: rep-server:5555 rejects them while three clients get every reply", async () => {
    const env = { ...reqrepBase, REP_BIND: "tcp://*:5555", REQUESTS: "10", REQ_TIMEOUT_MS: "5000", REQ_RETRIES: "0" };
    const lab = await labs.start("reqrep", { env, scale: { "req-client": 3 } });
    await lab.waitForLine("rep-server-1", / answered \S+ \(1 so far\): /);
    await attack(lab, ["tcp://rep-server:5555"]);

    const clients = await lab.names("req-client");
    expect(await Promise.all(clients.map((name) => lab.waitForExit(name)))).toEqual([0, 0, 0]);
    await lab.waitForLine("rep-server-1", / answered 30 requests from 3 clients, 0 rejected$/);
    expect((await lab.stop("rep-server-1")).exitCode).toBe(0);
    expect(await lab.result("rep-server-1")).toMatchObject({ answered: 30, rejected: 0 });
    await expectRejected(lab, "rep-server-1", KINDS);
    console.log(`drill raw wire, reqrep: rep-server rejected ${KINDS} connections, 30 of 30 requests answered`);
  });

  it("pubsub: both publishers' 5556 reject them and the subscriber's report has no rejected update", async () => {
    const env = { PUB_BIND: "tcp://*:5556", PUB_ZIPS: "10000-10019", PUB_RATE: "200", ZIP_FILTER: "10001", UPDATES: "60", SUB_TIMEOUT_MS: "10000" };
    const lab = await labs.start("pubsub", { env });
    await lab.waitForLine("weather-sub-1", / update 1\/60: /);
    await attack(lab, ["tcp://weather-pub-1:5556", "tcp://weather-pub-2:5556"]);

    expect(await lab.waitForExit("weather-sub-1")).toBe(0);
    const result = await lab.result<{ publishers: Record<string, { updates: number }> }>("weather-sub-1");
    expect(result).toMatchObject({ updates: 60, rejected: 0, verdict: "PASS" });
    expect(Object.values(result.publishers).filter((p) => p.updates > 0)).toHaveLength(2);
    for (const publisher of ["weather-pub-1-1", "weather-pub-2-1"]) {
      expect((await lab.stop(publisher)).exitCode).toBe(0);
      await expectRejected(lab, publisher, KINDS);
    }
    console.log(`drill raw wire, pubsub: each publisher rejected ${KINDS} connections, 60 of 60 updates reported`);
  });

  it("pipeline: producer:5557 and collector:5558/5559/5560 reject them mid-batch and the batch still matches exactly", async () => {
    const TASKS = 150;
    // About 5 s of batch on 3 consumers, so the garbage lands while tasks and results flow.
    const env = { ...pipelineBase, TASKS: String(TASKS), TASK_MODE: "sleep", TASK_SLEEP_MS: "100" };
    const lab = await labs.start("pipeline", { env, scale: { consumer: 3 } });
    await lab.waitForLine("collector-1", new RegExp(` result 1/(?:${TASKS}|\\?) from `));
    await attack(lab, ["tcp://producer:5557", "tcp://collector:5558", "tcp://collector:5559", "tcp://collector:5560"]);

    expect(await lab.waitForExit("collector-1")).toBe(0);
    const lines = await lab.logs("collector-1");
    expect(await collected(lab)).toMatchObject({ verdict: "PASS", count: TASKS, sum: makeBatch(TASKS, 7).total, announcedTasks: TASKS, announcedTotal: makeBatch(TASKS, 7).total, rejected: 0 });
    expect(lines.filter((line) => / WARN rejected message /.test(line))).toEqual([]);
    expect(await lab.waitForExit("producer-1")).toBe(0);
    for (const name of await lab.names("consumer")) expect(await lab.waitForExit(name)).toBe(0);
    await expectRejected(lab, "producer-1", KINDS);
    await expectRejected(lab, "collector-1", 3 * KINDS);
    console.log(`drill raw wire, pipeline: producer rejected ${KINDS}, collector ${3 * KINDS} connections; ${TASKS} tasks, sum exact, PASS`);
  });
});
