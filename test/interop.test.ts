import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { resultOf } from "../services/runtime/index.js";
import type { Lab } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { collected as collectorResult, base as pipelineBase } from "./helpers/pipeline.js";
import { base as reqrepBase } from "./helpers/reqrep.js";
import { tutorialScripts, type Script } from "./helpers/tutorial.js";

// The tutorial's pyzmq scripts (services/tutorial/*.py, Debian's python3-zmq) against the lab's
// roles, and the lab's roles against them, on one compose network: each side reads what the other
// sends as the tutorial does, and no lab role warns about the tutorial's messages.

/** Lines of a role's log that warn or fail. */
const complaints = async (lab: Lab, name: string) => (await lab.logs(name)).filter((line) => / (WARN|ERROR) /.test(line));
const runComplaints = (lines: string[]) => lines.filter((line) => / (WARN|ERROR) /.test(line));

/** The tutorial collector's printout: a row per consumer and the totals. */
async function collected(script: Script) {
  const lines = await script.lines();
  const rows = new Map(lines.flatMap((line) => {
    const row = /^consumer (\S+): (\d+) results, sum (\d+)$/.exec(line);
    return row ? [[row[1]!, { count: Number(row[2]), sum: Number(row[3]) }] as const] : [];
  }));
  const total = /^total: (\d+) results, sum (\d+)$/.exec(lines.at(-1) ?? "");
  expect(total, `the collector's last line: ${lines.at(-1)}`).not.toBeNull();
  return { rows, count: Number(total![1]), sum: Number(total![2]) };
}

/** What a lab consumer logged doing, tasks with or without an id: its host and the numbers. */
async function consumed(lab: Lab, name: string) {
  const lines = await lab.logs(name);
  const host = /^consumer@(\S+) /.exec(lines[0]!)![1]!;
  const nums = lines.flatMap((line) => /^consumer@\S+ task (?:\d+|-): num (\d+) in \d+ ms$/.exec(line)?.[1] ?? []).map(Number);
  return { host, nums };
}

describe("interop with the tutorial's pyzmq scripts", () => {
  const labs = labsPerTest();
  const scripts = tutorialScripts();

  it("pair: the tutorial's client is served by pair-server, the lab's pair-client by the tutorial's server", async () => {
    const lab = await labs.start("pair", { env: { PAIR_BIND: "tcp://*:5555", PAIR_INTERVAL_MS: "200", PAIR_TIMEOUT_MS: "3000" }, services: ["pair-server"] });

    const client = await scripts.start(lab, "pair_client.py", ["tcp://pair-server:5555", "10"]);
    expect(await client.waitForExit()).toBe(0);
    expect(await client.lines()).toEqual(Array(10).fill("Server message to Client"));
    // Two answers a round, one read per exchange: the server alternates between the two texts.
    await lab.waitForLine("pair-server-1", / reply 10 /);
    const answers = await lab.logs("pair-server-1");
    const texts = answers.flatMap((line) => / reply \d+ \(not the lab's pair-client, accepted as text\): "(.*)"$/.exec(line)?.[1] ?? []);
    expect(texts.slice(0, 10)).toEqual(Array(5).fill(["Hello from Client", "This is a client message to server"]).flat());
    expect(await complaints(lab, "pair-server-1")).toEqual([]);

    const server = await scripts.start(lab, "pair_server.py", ["tcp://*:5555", "5", "0.2"], "tutorial-pair-server");
    const labClient = await lab.run(["node", "dist/pair/pair-client.js"], { PAIR_CONNECT: "tcp://tutorial-pair-server:5555", PAIR_MESSAGES: "5", PAIR_TIMEOUT_MS: "5000" });
    expect(labClient.exitCode).toBe(0);
    expect(labClient.lines.filter((line) => / received \d\/5: Server message to Client$/.test(line))).toHaveLength(5);
    expect(resultOf(labClient.lines)).toMatchObject({ exchanges: 5, messages: 5, verdict: "PASS" });
    expect(runComplaints(labClient.lines)).toEqual([]);
    expect(await server.waitForExit()).toBe(0);
    const host = /^pair-client@(\S+) /.exec(labClient.lines[0]!)![1];
    expect(await server.lines()).toEqual([1, 2, 3, 4, 5].map((n) => `Client ${host} message to Server (${n}/5)`));
  });

  it("reqrep: the tutorial's client is answered by rep-server, the lab's req-client by the tutorial's server", async () => {
    const lab = await labs.start("reqrep", { env: { ...reqrepBase, REP_BIND: "tcp://*:5555", REP_WORK_MS: "20" }, services: ["rep-server"] });

    const client = await scripts.start(lab, "reqrep_client.py", ["tcp://rep-server:5555", "5"]);
    expect(await client.waitForExit()).toBe(0);
    expect(await client.lines()).toEqual([1, 2, 3, 4, 5].map((n) => `Received reply ${n} [ Hi from Server ]`));
    const answered = (await lab.logs("rep-server-1")).filter((line) => / answered \(other\) \(\d so far\): "Hello"$/.test(line));
    expect(answered).toHaveLength(5);
    expect(await complaints(lab, "rep-server-1")).toEqual([]);
    // The tutorial's plain "Hello" is a request from no id of ours: counted for "(other)", never rejected.
    expect((await lab.stop("rep-server-1")).exitCode).toBe(0);
    expect(await lab.result("rep-server-1")).toEqual(expect.objectContaining({ answered: 5, clients: { "(other)": 5 }, rejected: 0 }));

    const server = await scripts.start(lab, "reqrep_server.py", ["tcp://*:5555", "5"], "tutorial-rep-server");
    const labClient = await lab.run(["node", "dist/reqrep/req-client.js"], { REQ_CONNECT: "tcp://tutorial-rep-server:5555", REQUESTS: "5", REQ_TIMEOUT_MS: "5000" });
    expect(labClient.exitCode).toBe(0);
    expect(labClient.lines.filter((line) => / reply \d\/5: World from server$/.test(line))).toHaveLength(5);
    expect(resultOf(labClient.lines)).toMatchObject({ replies: 5, requests: 5, retries: 0, verdict: "PASS" });
    expect(runComplaints(labClient.lines)).toEqual([]);
    expect(await server.waitForExit()).toBe(0);
    const host = /^req-client@(\S+) /.exec(labClient.lines[0]!)![1];
    expect(await server.lines()).toEqual(Array(5).fill(`Received request: Hello from client ${host}`));
  });

  it("pubsub: the tutorial's subscriber reads the lab's publishers, the lab's subscriber the tutorial's publisher", async () => {
    const env = { PUB_BIND: "tcp://*:5556", PUB_ZIPS: "10000-10019", PUB_RATE: "200" };
    const lab = await labs.start("pubsub", { env, services: ["weather-pub-1", "weather-pub-2"] });

    // It unpacks exactly two fields from every message: one count-stream message would crash it.
    const subscriber = await scripts.start(lab, "sub_client.py", ["tcp://weather-pub-1:5556", "tcp://weather-pub-2:5556"]);
    expect(await subscriber.waitForExit()).toBe(0);
    const printed = await subscriber.lines();
    const temps = printed.slice(0, 5).map((line) => Number(/^10001 (-?\d+)$/.exec(line)?.[1]));
    expect(temps.every(Number.isInteger), printed.join("\n")).toBe(true);
    expect(printed.slice(5)).toEqual([`Average temperature for zip '10001' was ${(temps.reduce((a, b) => a + b, 0) / 5).toFixed(2)}F`]);
    for (const name of ["weather-pub-1-1", "weather-pub-2-1"]) expect(await complaints(lab, name)).toEqual([]);

    await scripts.start(lab, "pub_server.py", ["tcp://*:5556", "200"], "tutorial-pub");
    const labSub = await lab.run(["node", "dist/pubsub/weather-sub.js"], { SUB_CONNECT: "tcp://tutorial-pub:5556", ZIP_FILTER: "10001", UPDATES: "10", SUB_TIMEOUT_MS: "10000" });
    expect(labSub.exitCode).toBe(0);
    expect(runComplaints(labSub.lines)).toEqual([]);
    const got = labSub.lines.flatMap((line) => / update \d+\/10: 10001 (-?\d+) from tutorial-pub$/.exec(line)?.[1] ?? []).map(Number);
    expect(got).toHaveLength(10);
    // One publisher, no count stream (the tutorial's sends none): drops unknown, null in the RESULT.
    const mean = Number((got.reduce((a, b) => a + b, 0) / 10).toFixed(2));
    expect(resultOf(labSub.lines)).toEqual(
      expect.objectContaining({ updates: 10, checked: null, dropped: null, mean, min: Math.min(...got), max: Math.max(...got), rejected: 0, verdict: "PASS" }),
    );
    expect(Object.keys(resultOf(labSub.lines)!.publishers as object)).toEqual(["tutorial-pub"]);
  });

  // The tutorial's consumers send no task id, so the producer can't match confirmations to them: no re-dispatch.
  const pipeline = { ...pipelineBase, TASKS: "60", REDISPATCH_MS: "0" };
  const total = makeBatch(60, Number(pipeline.SEED)).total;

  it("pipeline: the tutorial's consumer works beside a lab consumer for the lab's producer and collector", async () => {
    const lab = await labs.start("pipeline", { env: { ...pipeline, CONSUMERS: "2" }, scale: { consumer: 1 } });
    const consumer = await scripts.start(lab, "consumer.py", ["tcp://producer:5557", "tcp://collector:5558"]);
    const id = /^I am consumer #(\d+)$/.exec((await consumer.waitForLines(/^I am consumer #/))[0]!)![1]!;

    expect(await lab.waitForExit("collector-1")).toBe(0);
    const report = await collectorResult(lab);
    expect(report).toMatchObject({ verdict: "PASS", count: 60, sum: total, consumers: 2, announcedTasks: 60, announcedTotal: total });
    const labConsumer = await consumed(lab, "consumer-1");
    expect(report.rows.find((row) => row.consumer === labConsumer.host)).toMatchObject({ count: labConsumer.nums.length, sum: labConsumer.nums.reduce((a, b) => a + b, 0) });
    expect(report.rows.find((row) => row.consumer === id)?.count).toBe(60 - labConsumer.nums.length);
    expect(await complaints(lab, "collector-1")).toEqual([]);
  });

  it("pipeline: the tutorial's collector counts exactly the lab's batch from the lab's producer and consumers", async () => {
    const lab = await labs.start("pipeline", { env: { ...pipeline, COLLECTOR_LOST_MS: "60000" }, scale: { consumer: 2 }, services: ["producer", "consumer"] });
    const collector = await scripts.start(lab, "collector.py", ["tcp://*:5558", "60"], "collector");
    expect(await collector.waitForExit()).toBe(0);

    const { rows, count, sum } = await collected(collector);
    expect([count, sum]).toEqual([60, total]);
    for (const name of await lab.names("consumer")) {
      const { host, nums } = await consumed(lab, name);
      expect(rows.get(host), `${name} (${host})`).toEqual({ count: nums.length, sum: nums.reduce((a, b) => a + b, 0) });
      expect(await complaints(lab, name)).toEqual([]);
    }
    expect(rows.size).toBe(2);
    expect(await complaints(lab, "producer-1")).toEqual([]);
  });

  it("pipeline: the lab's consumers work for the tutorial's producer and collector", async () => {
    const lab = await labs.start("pipeline", { env: { ...pipelineBase, COLLECTOR_LOST_MS: "60000" }, scale: { consumer: 2 }, services: ["consumer"] });
    const collector = await scripts.start(lab, "collector.py", ["tcp://*:5558", "100"], "collector");
    const producer = await scripts.start(lab, "producer.py", ["tcp://*:5557", "100"], "producer");
    expect(await collector.waitForExit()).toBe(0);
    expect(await producer.waitForExit()).toBe(0);
    expect(await producer.lines()).toEqual(["sent 100 tasks, total 4950"]);

    const { rows, count, sum } = await collected(collector);
    expect([count, sum]).toEqual([100, 4950]);
    let done = 0;
    for (const name of await lab.names("consumer")) {
      const { host, nums } = await consumed(lab, name);
      done += nums.length;
      if (nums.length > 0) expect(rows.get(host), `${name} (${host})`).toEqual({ count: nums.length, sum: nums.reduce((a, b) => a + b, 0) });
      expect(await complaints(lab, name)).toEqual([]);
    }
    expect(done).toBe(100);
  });
});
