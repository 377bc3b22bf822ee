import { afterAll, describe, expect, it } from "vitest";
import { Lab, type RunResult } from "./helpers/lab.js";
import { base as brokerBase, repliesOf } from "./helpers/broker.js";
import { collected } from "./helpers/pipeline.js";
import { base } from "./helpers/reqrep.js";
import { labKeys } from "./helpers/keys.js";
import { labsPerTest } from "./helpers/labs.js";

// Secure mode: the lab's own keys in a throwaway keys folder, written as npm run keys writes them,
// with a keypair per consumer replica (npm run keys -- --replicas consumer=2).
const keys = labKeys({ consumer: 2 });
const { server } = keys;
const curve = { ZMQ_CURVE: "on", ZMQ_LAB_KEYS_DIR: keys.dir };
afterAll(() => keys[Symbol.dispose]());

type Keys = "none" | "wrong-server" | "unlisted" | "stolen";
/**
 * An intruder on the lab's network, with its own keys, the real server public key for "unlisted",
 * or for "stolen" the keypair of the lab's service `thief`.
 */
const intrude = (lab: Lab, target: string, socket: string, how: Keys, thief = "producer"): Promise<RunResult> =>
  lab.run(["node", "dist/intruder/intruder.js"], {
    INTRUDER_TARGET: target,
    INTRUDER_SOCKET: socket,
    INTRUDER_KEYS: how,
    INTRUDER_WAIT_MS: "2500",
    CURVE_SERVER_PUBLIC: server.publicKey,
    ...(how === "stolen" ? { CURVE_CLIENT_PUBLIC: keys.clients[thief]!.publicKey, CURVE_CLIENT_SECRET: keys.clients[thief]!.secretKey } : {}),
  });

const verdict = (run: RunResult) => {
  expect(run.exitCode).toBe(0);
  return run.lines.find((line) => / verdict: /.test(line))?.replace(/^intruder@\S+ verdict: /, "");
};

/**
 * What a role's first-failure lines say: each peer named (never the role's own address), by kind.
 * Intruders run side by side come from as many containers, so they must be as many peers.
 */
function failedPeers(lines: string[]) {
  // A failed greeting is "protocol" or "other" (a broken pipe), depending on which side noticed first.
  const peers = { greeting: new Set<string>(), auth: new Set<string>(), zap: new Set<string>() };
  for (const line of lines) {
    // A peer that hung up before the role saw its connection is "an unknown address": not counted here.
    const failed = / WARN CURVE handshake failed \((protocol|other|auth)\) from ([\d.]+) on tcp:\/\/([\d.]+):\d+: .*\(x1\)$/.exec(line);
    if (failed) {
      expect(failed[2], `${line}: the peer, not the role itself`).not.toBe(failed[3]);
      peers[failed[1] === "auth" ? "auth" : "greeting"].add(failed[2]!);
    }
    const zap = / WARN ZAP rejected CURVE client \S{40} \(unknown key\) from ([\d.]+): key not on the allow-list \(x1\)$/.exec(line);
    if (zap) peers.zap.add(zap[1]!);
  }
  return { greeting: [...peers.greeting], auth: [...peers.auth], zap: [...peers.zap] };
}

/** The three intruders side by side against `target`: each gets nothing, and `role` names three peers. */
async function intrudeSideBySide(lab: Lab, target: string, socket: string, role: string): Promise<void> {
  const kinds = ["none", "wrong-server", "unlisted"] as const;
  const runs = await Promise.all(kinds.map((keys) => intrude(lab, target, socket, keys)));
  runs.forEach((run, i) => expect(verdict(run), kinds[i]).toMatch(/^got nothing in 2500 ms/));
  // Three containers, three peers: the plaintext one and the wrong server key fail the greeting, each
  // named on its own line (the plaintext one may hang up too soon to be named); ZAP refuses the
  // unlisted key, from a third address.
  const peers = failedPeers(await lab.logs(role));
  expect(peers.greeting.length).toBeGreaterThanOrEqual(1);
  expect(peers.greeting.length).toBeLessThanOrEqual(2);
  expect(peers.zap).toHaveLength(1);
  expect(peers.auth).toEqual(peers.zap);
  expect(peers.greeting).not.toContain(peers.zap[0]);
}

const reqrep = { ...base, REQUESTS: "6", REP_WORK_MS: "50", REQ_TIMEOUT_MS: "5000", REQ_RETRIES: "0" };

describe("secure mode (ZMQ_CURVE=on)", () => {
  const labs = labsPerTest();

  it("reqrep still works for the lab's clients; intruders get no reply and the server logs why", async () => {
    const lab = await labs.start("reqrep", { env: { ...reqrep, ...curve }, scale: { "req-client": 3 } });
    const names = await lab.names("req-client");
    for (const name of names) {
      expect(await lab.waitForExit(name)).toBe(0);
      const lines = await lab.logs(name);
      expect(lines[0]).toMatch(/ ready: .*CURVE on/);
      expect(lines.filter((l) => / reply \d+\/6: Hi from Server$/.test(l))).toHaveLength(6);
    }

    for (const keys of ["none", "wrong-server", "unlisted"] as const) {
      expect(verdict(await intrude(lab, "tcp://rep-server:5555", "req", keys)), keys).toMatch(/^got nothing in 2500 ms/);
    }
    const serverLog = await lab.logs("rep-server-1");
    const peers = failedPeers(serverLog);
    expect(peers.greeting.length).toBeGreaterThan(0);
    expect(peers.zap).toHaveLength(1);
    expect(peers.auth).toEqual(peers.zap);
    // No intruder request was answered: the server still reports only the lab's 18.
    expect(serverLog).toContainEqual(expect.stringMatching(/ idle for 1500 ms: answered 18 requests from 3 clients, 0 rejected$/));
    // Secret keys never reach a log.
    for (const secret of [server.secretKey, keys.clients["req-client"]!.secretKey]) expect(serverLog.join("\n")).not.toContain(secret);
    // The server names who connected: every client by its service.
    expect(serverLog).toContainEqual(expect.stringMatching(/ ZAP admitted CURVE client req-client from [\d.]+ \(x1\)$/));
    // Each role holds only its own side's keys: the server never the client's secret, and back.
    const curveVars = async (name: string) => (await lab.envNames(name)).filter((v) => v.startsWith("CURVE_"));
    expect(await curveVars("rep-server-1")).toEqual(["CURVE_ALLOW", "CURVE_CLIENT_KEYS", "CURVE_SERVER_SECRET"]);
    expect(await curveVars("req-client-1")).toEqual(["CURVE_CLIENT_PUBLIC", "CURVE_CLIENT_SECRET", "CURVE_SERVER_PUBLIC"]);
  });

  it("without CURVE the same plaintext intruder is answered (the contrast the switch removes)", async () => {
    const lab = await labs.start("reqrep", { env: { ...reqrep, ZMQ_CURVE: "off" }, services: ["rep-server"] });
    expect(verdict(await intrude(lab, "tcp://rep-server:5555", "req", "none"))).toBe("received Hi from Server");
  });

  it("pipeline completes with exact totals while three intruders' PULLs get no task", async () => {
    const env = { TASKS: "100", SEED: "3", CONSUMERS: "0", TASK_MODE: "sleep", TASK_SLEEP_MS: "20", TASK_INTERVAL_MS: "50", COLLECTOR_TIMEOUT_MS: "20000", CONSUMERS_WAIT_MS: "20000", CONSUMER_ID: "" };
    const lab = await labs.start("pipeline", { env: { ...env, ...curve }, scale: { consumer: 2 } });
    // The batch takes about 5 s (100 tasks, 50 ms apart): the intruders listen, side by side, while it flows.
    await lab.waitForLine("producer-1", / batch start: /);
    await intrudeSideBySide(lab, "tcp://producer:5557", "pull", "producer-1");

    expect(await lab.waitForExit("collector-1")).toBe(0);
    const report = await collected(lab);
    expect(report).toMatchObject({ verdict: "PASS", count: 100, consumers: 2, announcedTasks: 100, sum: report.announcedTotal });
    // Each consumer replica connected with its own key, and the producer names both.
    const admitted = (await lab.logs("producer-1")).flatMap((l) => / ZAP admitted CURVE client (\S+) from /.exec(l)?.[1] ?? []);
    expect([...new Set(admitted)].sort()).toEqual(["consumer-1", "consumer-2"]);
  });

  it("the broker serves its clients through CURVE on both ports; an intruder's REQ gets no reply", async () => {
    const lab = await labs.start("broker", { env: { ...brokerBase, REQUESTS: "6", ...curve }, scale: { "broker-client": 2, "broker-worker": 2 } });
    for (const name of ["broker-client-1", "broker-client-2"]) {
      expect(await lab.waitForExit(name)).toBe(0);
      expect(await repliesOf(lab, name, 6)).toHaveLength(6);
    }
    expect((await lab.logs("broker-worker-1"))[0]).toMatch(/ ready: .*CURVE on/);
    await intrudeSideBySide(lab, "tcp://lb-broker:5570", "req", "lb-broker-1");
  });

  it("the weather feed gives an intruder's SUB nothing, whatever its keys", async () => {
    const lab = await labs.start("pubsub", { env: { UPDATES: "20", ZIP_FILTER: "10001", ...curve } });
    expect(await lab.waitForExit("weather-sub-1")).toBe(0);
    await intrudeSideBySide(lab, "tcp://weather-pub-1:5556", "sub", "weather-pub-1-1");
  });

  it("a key of another lab service is refused where that service is not allowed, and the log names its owner", async () => {
    // The producer's keypair, stolen: the weather publisher admits only weather-sub.
    const lab = await labs.start("pubsub", { env: { UPDATES: "5", ZIP_FILTER: "10001", ...curve }, services: ["weather-pub-1"] });
    expect(verdict(await intrude(lab, "tcp://weather-pub-1:5556", "sub", "stolen", "producer")), "stolen").toMatch(/^got nothing in 2500 ms/);
    const log = await lab.logs("weather-pub-1-1");
    const refused = log.filter((l) => l.includes(" WARN ZAP rejected "));
    // Throttled: the 1st refusal from that peer, perhaps the 10th, never one line per retry.
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(refused[0]).toContain(`ZAP rejected CURVE client ${keys.clients.producer!.publicKey} (producer's key) from `);
    expect(refused[0]).toMatch(/: producer may not connect here \(allowed: weather-sub\) \(x1\)$/);
    expect(log.filter((l) => / ZAP admitted /.test(l))).toEqual([]);
  });
});
