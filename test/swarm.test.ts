// Patterns as Swarm stacks on a 1-node lab swarm (Docker-in-Docker): the pipeline's producer
// counts its consumers through tasks.consumer, rep-server and weather-pub replicas serve by name
// or all at once, and PAIR completes.
import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { resultOf } from "../services/runtime/log.js";
import { deploy, removeStack, serviceLogs, serviceSpec, stackSecrets, stopAll, taskLogs, waitForEnd } from "../swarm/deploy.js";
import { labKeys } from "./helpers/keys.js";
import { noEnvFile } from "./helpers/lab.js";
import { base as pipelineBase } from "./helpers/pipeline.js";
import { base as reqrepBase } from "./helpers/reqrep.js";
import { collectorOf, labSwarmPerFile, serverTables } from "./helpers/swarm.js";

const swarm = labSwarmPerFile(1);

describe("stacks on a lab swarm", () => {
  it("pipeline: 4 consumer replicas found through tasks.consumer, PASS with exact count and sum", async () => {
    const env = { ...pipelineBase, TASKS: "60" };
    await deploy(swarm(), "pipeline", { envFile: noEnvFile, env, replicas: { consumer: 4 } });
    expect(await waitForEnd(swarm(), "collector", 1, 90_000)).toBe(0);
    const total = makeBatch(60, Number(env.SEED)).total;
    const report = collectorOf(await serviceLogs(swarm(), "collector"));
    expect(report).toMatchObject({ verdict: "PASS", count: 60, sum: total, announcedTasks: 60, announcedTotal: total, consumers: 4 });
    expect(report.rows.map((row) => row.consumer).sort()).toEqual(["consumer-1", "consumer-2", "consumer-3", "consumer-4"]);
    expect(await serviceLogs(swarm(), "producer")).toContainEqual(expect.stringMatching(/consumers connected: 4 of 4 /));
    await removeStack(swarm());
  }, 150_000);

  it("reqrep 3 x 3: by name a client talks to one replica; with CONNECT_TO=replicas all 3 replicas serve", async () => {
    const requests = 9;
    const tables: Record<string, Map<string, Map<string, number>>> = {};
    for (const mode of ["name", "replicas"]) {
      const env = { ...reqrepBase, REQUESTS: String(requests), CONNECT_TO: mode };
      await deploy(swarm(), "reqrep", { envFile: noEnvFile, env, replicas: { "rep-server": 3, "req-client": 3 } });
      expect(await waitForEnd(swarm(), "req-client", 3, 90_000)).toBe(0);
      // Stopped, each server replica writes its RESULT: the requests it answered per client.
      await stopAll(swarm());
      tables[mode] = serverTables(await taskLogs(swarm(), "rep-server"));
      await removeStack(swarm());
    }
    const answered = (t: Map<string, number>) => [...t.values()].reduce((a, b) => a + b, 0);
    for (const mode of ["name", "replicas"]) {
      expect([...tables[mode]!.values()].reduce((n, t) => n + answered(t), 0), `${mode}: all requests answered`).toBe(3 * requests);
    }
    // By name: libzmq connects to the first address DNS gives, so each client is in one table only.
    for (const client of ["req-client-1", "req-client-2", "req-client-3"]) {
      expect([...tables.name!.values()].filter((t) => t.has(client)), client).toHaveLength(1);
    }
    // Every replica: all 3 servers answered, as each client round-robins over its connections
    // (a replica that starts late may miss a client's first requests, so not every pair is asserted).
    expect(tables.replicas!.size).toBe(3);
    for (const [replica, table] of tables.replicas!) expect(answered(table), replica).toBeGreaterThan(0);
  }, 240_000);

  it("pair: the client completes its exchanges with the one server, which counts them", async () => {
    const env = { PAIR_MESSAGES: "5", PAIR_INTERVAL_MS: "200", PAIR_TIMEOUT_MS: "20000" };
    await deploy(swarm(), "pair", { envFile: noEnvFile, env });
    expect(await waitForEnd(swarm(), "pair-client", 1, 90_000)).toBe(0);
    await stopAll(swarm());
    expect(resultOf(await serviceLogs(swarm(), "pair-client"))).toMatchObject({ replica: "pair-client-1", exchanges: 5, messages: 5, verdict: "PASS" });
    expect(resultOf(await serviceLogs(swarm(), "pair-server"))).toMatchObject({ replies: 5, rejected: 0, clients: { "pair-client-1": 5 } });
    await removeStack(swarm());
  }, 150_000);

  it("pubsub with weather-pub-1 at 3 replicas: by name the subscriber hears one of them; with CONNECT_TO=replicas all 3", async () => {
    const updates = 60;
    const publishers: Record<string, Record<string, { updates: number }>> = {};
    for (const mode of ["name", "replicas"]) {
      const env = { PUB_ZIPS: "10000-10019", PUB_RATE: "200", ZIP_FILTER: "10001", UPDATES: String(updates), SUB_TIMEOUT_MS: "30000", CONNECT_TO: mode };
      await deploy(swarm(), "pubsub", { envFile: noEnvFile, env, replicas: { "weather-pub-1": 3 } });
      expect(await waitForEnd(swarm(), "weather-sub", 1, 90_000)).toBe(0);
      const result = resultOf(await serviceLogs(swarm(), "weather-sub")) as { updates: number; rejected: number; verdict: string; publishers: Record<string, { updates: number }> };
      expect(result, mode).toMatchObject({ updates, rejected: 0, verdict: "PASS" });
      publishers[mode] = result.publishers;
      await removeStack(swarm());
    }
    for (const mode of ["name", "replicas"]) console.log(`CONNECT_TO=${mode}: ${Object.entries(publishers[mode]!).map(([name, p]) => `${name} ${p.updates}`).join(", ")}`);
    const heard = (mode: string) => Object.entries(publishers[mode]!).filter(([, p]) => p.updates > 0).map(([name]) => name).sort();
    // By name: one socket, one connection per publisher service, whatever its replicas.
    expect(Object.keys(publishers.name!).sort()).toEqual(["weather-pub-1", "weather-pub-2"]);
    expect(heard("name")).toEqual(["weather-pub-1", "weather-pub-2"]);
    // Every replica: a socket each, named after the replica, and each one heard.
    expect(heard("replicas")).toEqual(["weather-pub-1-1", "weather-pub-1-2", "weather-pub-1-3", "weather-pub-2-1"]);
  }, 240_000);

  it("secure reqrep: ZMQ_CURVE=on with each side's keys as Swarm secrets, no key in a service's env, the secrets gone with the stack", async () => {
    using keys = labKeys();
    const env = { ...reqrepBase, REQUESTS: "5", ZMQ_CURVE: "on", ZMQ_LAB_KEYS_DIR: keys.dir };
    await deploy(swarm(), "reqrep", { envFile: noEnvFile, env });
    const code = await waitForEnd(swarm(), "req-client", 1, 90_000);
    expect(code, (await serviceLogs(swarm(), "req-client")).join("\n")).toBe(0);
    const [server, client] = [await serviceSpec(swarm(), "rep-server"), await serviceSpec(swarm(), "req-client")];
    const values = [keys.server, ...Object.values(keys.clients)].flatMap((pair) => [pair.publicKey, pair.secretKey]);
    for (const [name, spec] of Object.entries({ server, client })) {
      expect(values.filter((key) => spec.env.some((entry) => entry.includes(key))), `${name}: keys in its env`).toEqual([]);
      expect(spec.env.filter((entry) => /^CURVE_(SERVER|CLIENT)_\w+=/.test(entry) && !entry.includes("_FILE=")), name).toEqual([]);
    }
    // Each side mounts only its own keys, read through <name>_FILE.
    expect(server.secrets.map((secret) => secret.file).sort()).toEqual(["CURVE_CLIENT_KEYS", "CURVE_SERVER_SECRET"]);
    expect(client.secrets.map((secret) => secret.file).sort()).toEqual(["CURVE_CLIENT_PUBLIC", "CURVE_CLIENT_SECRET", "CURVE_SERVER_PUBLIC"]);
    expect(server.env).toContain("CURVE_SERVER_SECRET_FILE=/run/secrets/CURVE_SERVER_SECRET");
    await stopAll(swarm());
    // The server admitted the client by its key, and answered all 5 requests.
    expect(await serviceLogs(swarm(), "req-client")).toContainEqual(expect.stringMatching(/ ready: .*CURVE on/));
    expect(await serviceLogs(swarm(), "rep-server")).toContainEqual(expect.stringMatching(/ ZAP admitted CURVE client req-client from /));
    expect(serverTables(await taskLogs(swarm(), "rep-server"))).toEqual(new Map([["rep-server-1", new Map([["req-client-1", 5]])]]));
    expect(await stackSecrets(swarm())).toHaveLength(5);
    await removeStack(swarm());
    expect(await stackSecrets(swarm())).toEqual([]);
  }, 150_000);
});
