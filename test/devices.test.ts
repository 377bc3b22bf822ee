// The three devices: each profile must pass its own pattern's check with the device in between,
// and each device must count what it relayed and stop cleanly. Raw bytes on both of each device's bound ports
// (and frame garbage on the queue's) land while it works: rejected, counted, nothing else changes.
import { describe, expect, it } from "vitest";
import { attack, expectRejected, KINDS, sendGarbage } from "./helpers/drills.js";
import type { Lab } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { collected, base as pipelineBase } from "./helpers/pipeline.js";
import { base as reqrepBase } from "./helpers/reqrep.js";

/** Stops a device: exit 0 within 2 s, the raw connections on its 2 bound ports rejected, and its last count line. */
async function stopDevice(lab: Lab, name: string): Promise<string> {
  const stopped = await lab.stop(name);
  expect(stopped.exitCode).toBe(0);
  expect(stopped.elapsedMs).toBeLessThan(2_000);
  const line = (await lab.logs(name)).findLast((l) => / stopping: relayed /.test(l));
  expect(line, `${name} logged its counts`).toBeDefined();
  await expectRejected(lab, name, 2 * KINDS);
  return line!;
}

describe("devices", () => {
  const labs = labsPerTest();

  it("reqrep-queue: clients and rep-servers all connect to the queue; a replica scaled in mid-run serves too", async () => {
    const requests = 20;
    const env = { ...reqrepBase, REP_WORK_MS: "300", REQUESTS: String(requests), REQ_TIMEOUT_MS: "20000", REQ_RETRIES: "0", QUEUE_BIND: "", QUEUE_SERVERS_BIND: "", QUEUE_SERVER_BIND: "" };
    const lab = await labs.start("reqrep-queue", { env, scale: { "queue-server": 2, "queue-client": 3 } });
    await lab.waitForLine("queue-1", / \(2 connected\)$/);
    await lab.waitForLine("queue-client-1", / reply 1\//);
    // The third server knows only the queue's address; the queue learns of it when it connects.
    await lab.scale("queue-server", 3);
    await lab.waitForLine("queue-1", / \(3 connected\)$/);
    const [, garbage] = await Promise.all([attack(lab, ["tcp://queue:5572"]), sendGarbage(lab, "tcp://queue:5572", "req")]);
    // Relayed to a rep-server, which answers every request; the 128 KiB frame never passes the queue.
    expect(garbage.lines.filter((l) => / reply to \S+: Hi from Server$/.test(l))).toHaveLength(5);
    const clients = await lab.names("queue-client");
    expect(await Promise.all(clients.map((name) => lab.waitForExit(name)))).toEqual([0, 0, 0]);
    for (const name of clients) {
      const replies = (await lab.logs(name)).filter((l) => / reply \d+\/\d+: Hi from Server$/.test(l));
      expect(replies, name).toHaveLength(requests);
    }
    let answered = 0;
    const servers = await lab.names("queue-server");
    expect(servers).toHaveLength(3);
    for (const name of servers) {
      const lines = await lab.logs(name);
      expect(lines, `${name} connected rather than bound`).toContainEqual(expect.stringMatching(/ ready: connecting to tcp:\/\/queue:5575 \(instead of binding\)/));
      const served = lines.filter((l) => / answered (?!\(other\))\S+ \(\d+ so far\)/.test(l)).length;
      expect(served, `${name} served`).toBeGreaterThan(0);
      answered += served;
    }
    expect(answered).toBe(3 * requests);
    // Only once the servers are idle: raw bytes whose first byte reads as a ZMTP 1.0 frame get a
    // pipe on the DEALER at once, and the request round robin hands that dead peer a request.
    await attack(lab, ["tcp://queue:5575"]);
    expect(await stopDevice(lab, "queue-1")).toMatch(new RegExp(`relayed ${3 * requests + 5} requests, ${3 * requests + 5} replies$`));
  });

  it("pubsub-forwarder: 2 publishers and the subscriber know only the forwarder; it gets its 10001 updates; subscriptions are counted", async () => {
    const env = { PUB_ZIPS: "10000-10019", PUB_RATE: "200", ZIP_FILTER: "10001", UPDATES: "20", SUB_TIMEOUT_MS: "10000", FORWARDER_BIND: "", FORWARDER_PUBS_BIND: "", FORWARDED_PUB_BIND: "" };
    const lab = await labs.start("pubsub-forwarder", { env, scale: { "forwarded-pub": 2 } });
    await lab.waitForLine("forwarder-1", / \(2 connected\)$/);
    await attack(lab, ["tcp://forwarder:5573", "tcp://forwarder:5576"]);
    expect(await lab.waitForExit("forwarded-sub-1")).toBe(0);
    const lines = await lab.logs("forwarded-sub-1");
    const updates = lines.filter((l) => / update \d+\/20: 10001 -?\d+ from forwarder/.test(l));
    expect(updates).toHaveLength(20);
    const result = await lab.result<{ publishers: Record<string, { updates: number }> }>("forwarded-sub-1");
    expect(result).toMatchObject({ zip: "10001", updates: 20, rejected: 0, verdict: "PASS" });
    expect(Object.keys(result.publishers)).toEqual(["forwarder"]);
    const forwarder = await lab.logs("forwarder-1");
    expect(forwarder).toContainEqual(expect.stringMatching(/ subscribe "10001 " \(\d+ subscriptions so far\)$/));
    const counts = /relayed (\d+) updates, (\d+) subscriptions$/.exec(await stopDevice(lab, "forwarder-1"))!;
    expect(Number(counts[1])).toBeGreaterThanOrEqual(20);
    expect(Number(counts[2])).toBeGreaterThanOrEqual(2);
  });

  it("pipeline-streamer: the producer and 3 consumers connect to the streamer, all 3 get tasks, and the collector's PASS", async () => {
    const tasks = 90;
    const env = { ...pipelineBase, TASKS: String(tasks), STREAMER_BIND: "", STREAMER_PRODUCERS_BIND: "", STREAMED_PRODUCER_BIND: "", STREAMED_CONSUMER_CONNECT: "" };
    const lab = await labs.start("pipeline-streamer", { env, scale: { "streamed-consumer": 3 } });
    // The streamer binds :5577 once the consumers are in.
    expect(await lab.waitForLine("streamer-1", / ready: /)).toMatch(/bound tcp:\/\/\*:5577/);
    expect(await lab.logs("streamer-1")).toContainEqual(expect.stringMatching(/ consumers connected: 3 of 3$/));
    await attack(lab, ["tcp://streamer:5574", "tcp://streamer:5577"]);
    expect(await lab.waitForExit("collector-1", 60_000)).toBe(0);
    const report = await collected(lab);
    expect(report.verdict).toBe("PASS");
    expect(report.count).toBe(tasks);
    // All three were connected before the first task: each got a share.
    expect(report.consumers).toBe(3);
    expect(await stopDevice(lab, "streamer-1")).toMatch(new RegExp(`relayed ${tasks} tasks$`));
  });
});
