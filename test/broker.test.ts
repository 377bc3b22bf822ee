import { describe, expect, it } from "vitest";
import { answeredBy, base, brokerIdle, workerId } from "./helpers/broker.js";
import { labsPerTest } from "./helpers/labs.js";

const CLIENTS = ["broker-client-1", "broker-client-2", "broker-client-3"];

describe("broker profile", () => {
  const labs = labsPerTest();

  it("3 clients × 30 requests over 4 workers: each answered once, every worker served, the slow one least", async () => {
    const lab = await labs.start("broker", { env: base, scale: { "broker-client": 3, "broker-worker": 3, "slow-worker": 1 } });
    const total = 3 * Number(base.REQUESTS);
    const byReply = await answeredBy(lab, CLIENTS, Number(base.REQUESTS));
    const result = await brokerIdle(lab, total);
    expect(result).toMatchObject({ answered: total, requeued: 0, purged: 0, late: 0, full: 0, malformed: 0 });
    expect(new Map(Object.entries(result.workers))).toEqual(byReply);

    // Each worker's own log agrees with what the clients and the broker saw.
    const fast = await Promise.all((await lab.names("broker-worker")).map((name) => workerId(lab, name)));
    const slow = await workerId(lab, "slow-worker-1");
    // Ids are the compose replica names, as `docker compose ps` lists them without the project.
    expect([...fast, slow]).toEqual([...(await lab.names("broker-worker")), "slow-worker-1"]);
    expect([...byReply.keys()].sort()).toEqual([...fast, slow].sort());
    for (const name of [...(await lab.names("broker-worker")), "slow-worker-1"]) {
      const served = (await lab.logs(name)).filter((l) => / served request \d+ in \d+ ms: "Hello from client /.test(l));
      expect(served.length, name).toBe(byReply.get(await workerId(lab, name)));
    }
    // 12× the work per request: the broker gives it far fewer than a fast worker's mean.
    const fastMean = fast.reduce((n, id) => n + byReply.get(id)!, 0) / fast.length;
    const ratio = byReply.get(slow)! / fastMean;
    console.log(`slow worker: ${byReply.get(slow)} vs fast mean ${fastMean.toFixed(1)} (ratio ${ratio.toFixed(2)})`);
    expect(byReply.get(slow)).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(0.5);
  });
});

describe("broker heartbeats", () => {
  const labs = labsPerTest();

  it("a paused worker is purged within 3 heartbeats + 1 s, its request answered by the other; unpaused, it serves again", async () => {
    const env = { ...base, WORK_MS: "1000", REQUESTS: "10" };
    const lab = await labs.start("broker", { env, scale: { "broker-client": 2, "broker-worker": 2 } });
    const [paused, other] = ["broker-worker-1", "broker-worker-2"];
    const pausedId = await workerId(lab, paused);
    await lab.waitForLine(paused, /working on request \d+$/);
    // No FIN, no RST: only the missing heartbeats tell the broker.
    await lab.pause(paused);
    const pausedAt = Date.now();
    // The request it froze with: the last one it started and never answered.
    const frozen = await lab.logs(paused);
    const inFlight = /working on request (\d+)$/.exec(frozen.findLast((l) => / working on request \d+$/.test(l))!)![1]!;
    expect(frozen.filter((l) => l.includes(` served request ${inFlight} in `)), "paused while idle; rerun").toEqual([]);
    const purge = new RegExp(`WARN purged worker ${pausedId}: silent for \\d+ ms, re-queued request ${inFlight} `);
    await lab.waitForLine("lb-broker-1", purge, 15_000);
    const purgedAt = (await lab.timedLogs("lb-broker-1")).find(({ line }) => purge.test(line))!.at.getTime();
    const hb = Number(env.HEARTBEAT_MS);
    console.log(`purged ${purgedAt - pausedAt} ms after docker pause (HEARTBEAT_MS ${hb})`);
    expect(purgedAt - pausedAt).toBeLessThanOrEqual(3 * hb + 1000);
    // The re-queued request went to the other worker.
    await lab.waitForLine(other, new RegExp(` served request ${inFlight} in `));

    await lab.unpause(paused);
    const [reconnect] = await Promise.all([
      lab.waitForLine(paused, / WARN broker silent for \d+ ms: reconnecting on a fresh socket in 1000 ms$/),
      lab.waitForLine(paused, new RegExp(` served request (?!${inFlight} )\\d+ in `)),
    ]);
    expect(reconnect).toBeDefined();

    const total = 2 * Number(env.REQUESTS);
    const byReply = await answeredBy(lab, ["broker-client-1", "broker-client-2"], Number(env.REQUESTS));
    const result = await brokerIdle(lab, total);
    expect(result).toMatchObject({ answered: total, requeued: 1, purged: 1 });
    expect(new Map(Object.entries(result.workers))).toEqual(byReply);
    expect(byReply.get(pausedId)).toBeGreaterThan(0);
  });

  it("a broker restart: workers reconnect on fresh sockets, clients retry and finish", async () => {
    const env = { ...base, WORK_MS: "200", REQUESTS: "15", REQ_TIMEOUT_MS: "3000", REQ_RETRIES: "5" };
    const lab = await labs.start("broker", { env, scale: { "broker-client": 2, "broker-worker": 2 } });
    const ids = await Promise.all(["broker-worker-1", "broker-worker-2"].map((name) => workerId(lab, name)));
    await lab.waitForLine("broker-client-1", / reply 3\//);
    await lab.restart("lb-broker-1");

    for (const name of ["broker-worker-1", "broker-worker-2"]) {
      await lab.waitForLine(name, / WARN broker silent for \d+ ms: reconnecting on a fresh socket in 1000 ms$/);
    }
    for (const name of ["broker-client-1", "broker-client-2"]) {
      expect(await lab.waitForExit(name, 90_000)).toBe(0);
      const lines = await lab.logs(name);
      const numbers = lines.map((l) => /^req-client@\S+ reply (\d+)\/15: Hi from worker \S+$/.exec(l)?.[1]).filter(Boolean);
      expect(numbers.map(Number)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    }
    // The restarted broker saw both workers come back (its log holds both runs: two ready lines).
    const lines = await lab.logs("lb-broker-1");
    const restarted = lines.findLastIndex((l) => / ready: /.test(l));
    expect(lines.filter((l) => / ready: /.test(l))).toHaveLength(2);
    for (const id of ids) expect(lines.slice(restarted)).toContainEqual(expect.stringMatching(new RegExp(` worker ${id} ready `)));
  });
});
