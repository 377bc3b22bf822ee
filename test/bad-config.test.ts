import { beforeAll, describe, it } from "vitest";
import { runOnce, type RunResult } from "./helpers/lab.js";
import { runEach } from "./helpers/one-off.js";

// Drill: an invalid value of each kind stops every role before any socket opens, with exit code 2
// and one line naming the variable and the expected form.
const ENDPOINT = /expected a ZeroMQ endpoint such as tcp:\/\/host:5555 or tcp:\/\/\*:5555 \(port 1-65535\), got "/;
const COUNT = /expected an integer from \d+ to \d+, got "/;
const RATE = /expected an integer from 1 to 100000, or max, got "/;
const DURATION = /expected an integer from 0 to 3600000, got "/;
const TIMEOUT = /expected an integer from 1 to 3600000, got "/;
const CHOICE = /expected one of /;
const HEARTBEAT = /expected 0 \(off\) or an integer from 50 to 60000, got "/;
const TEXT = /expected text of 1 to 256 characters, got "/;
const ID = /expected an id of 1 to 64 letters, digits, '\.', '_' or '-', got "/;
const ENDPOINTS = /expected comma-separated ZeroMQ endpoints such as tcp:\/\/host:5555,tcp:\/\/other:5555, got "/;
const ZIP = /expected a 5-digit zip code such as 10001, got "/;
const ZIPS = /expected a zip range such as 10000-10019 \(low-high, 5 digits each\), got "/;
const KEY = /expected a 40-character Z85 CURVE key, got ("|\d+ characters \(value not shown\))|missing, expected /;

// The CURVE keys a role needs follow its sockets: binding ones the server's, connecting ones the client's.
const SERVER_KEYS = ["CURVE_SERVER_SECRET", "CURVE_CLIENT_KEYS"];
const CLIENT_KEYS = ["CURVE_SERVER_PUBLIC", "CURVE_CLIENT_PUBLIC", "CURVE_CLIENT_SECRET"];
const keysOf: Record<string, string[]> = {
  "pair-server": SERVER_KEYS,
  "pair-client": CLIENT_KEYS,
  "rep-server": SERVER_KEYS,
  "req-client": CLIENT_KEYS,
  "weather-pub": SERVER_KEYS,
  "weather-sub": CLIENT_KEYS,
  producer: [...SERVER_KEYS, ...CLIENT_KEYS],
  consumer: CLIENT_KEYS,
  collector: SERVER_KEYS,
  "lb-broker": SERVER_KEYS,
  "broker-worker": CLIENT_KEYS,
  queue: SERVER_KEYS,
  forwarder: SERVER_KEYS,
  streamer: SERVER_KEYS,
  // The intruder brings its own keys and never uses the lab's.
  intruder: [],
};

type Case = [variable: string, value: string, form: RegExp];
const roles: Array<[role: string, script: string, cases: Case[]]> = [
  ["pair-server", "dist/pair/pair-server.js", [["PAIR_BIND", "tcp://*:99999", ENDPOINT], ["PAIR_INTERVAL_MS", "soon", DURATION], ["PAIR_TIMEOUT_MS", "0", TIMEOUT]]],
  ["pair-client", "dist/pair/pair-client.js", [["PAIR_CONNECT", "pair-server:5555", ENDPOINT], ["PAIR_MESSAGES", "0", COUNT], ["PAIR_TIMEOUT_MS", "5s", TIMEOUT]]],
  ["rep-server", "dist/reqrep/rep-server.js", [["REP_BIND", "tcp://*", ENDPOINT], ["REP_REPLY", "x".repeat(300), TEXT], ["REP_WORK_MS", "fast", DURATION], ["REP_IDLE_MS", "50", COUNT]]],
  ["req-client", "dist/reqrep/req-client.js", [["CLIENT_ID", "client 1", ID], ["REQ_CONNECT", "tcp://rep-server:70000", ENDPOINT], ["REQUESTS", "0", COUNT], ["REQ_TIMEOUT_MS", "3s", COUNT], ["REQ_RETRIES", "-1", COUNT]]],
  ["weather-pub", "dist/pubsub/weather-pub.js", [["PUB_BIND", "tcp://*:port", ENDPOINT], ["PUB_ZIPS", "10019-10000", ZIPS], ["PUB_RATE", "fast", RATE]]],
  ["weather-sub", "dist/pubsub/weather-sub.js", [["SUB_CONNECT", "tcp://weather-pub-1:5556,weather-pub-2", ENDPOINTS], ["ZIP_FILTER", "1001", ZIP], ["UPDATES", "-3", COUNT], ["SUB_TIMEOUT_MS", "10s", TIMEOUT]]],
  ["producer", "dist/pipeline/producer.js", [["PRODUCER_BIND", "5557", ENDPOINT], ["BATCH_CONNECT", "collector:5560", ENDPOINT], ["TASKS", "0", COUNT], ["SEED", "-1", COUNT], ["CONSUMERS_WAIT_MS", "long", DURATION], ["COLLECTOR_LOST_MS", "0", TIMEOUT]]],
  ["consumer", "dist/pipeline/consumer.js", [["PRODUCER_CONNECT", "producer", ENDPOINT], ["TASK_MODE", "gpu", CHOICE], ["TASK_COST", "1e3", COUNT], ["TASK_SLEEP_MS", "-20", DURATION], ["COLLECTOR_LOST_MS", "30s", TIMEOUT]]],
  ["collector", "dist/pipeline/collector.js", [["COLLECTOR_BIND", "tcp://*:", ENDPOINT], ["BATCH_BIND", "tcp://*:0", ENDPOINT], ["COLLECTOR_TIMEOUT_MS", "20 s", TIMEOUT]]],
  ["lb-broker", "dist/broker/lb-broker.js", [["FRONTEND_BIND", "tcp://*:5570x", ENDPOINT], ["BROKER_QUEUE_MAX", "-1", COUNT], ["BROKER_IDLE_MS", "0", TIMEOUT], ["HEARTBEAT_MS", "0", COUNT]]],
  ["broker-worker", "dist/broker/broker-worker.js", [["BROKER_CONNECT", "lb-broker:5571", ENDPOINT], ["WORK_MS", "slow", DURATION], ["WORK_JITTER_MS", "-5", DURATION], ["HEARTBEAT_MS", "1s", HEARTBEAT]]],
  ["queue", "dist/devices/queue.js", [["QUEUE_BIND", "5572", ENDPOINT], ["QUEUE_SERVERS_BIND", "connect:tcp://*:5575", ENDPOINT]]],
  ["forwarder", "dist/devices/forwarder.js", [["FORWARDER_BIND", "tcp://*:", ENDPOINT], ["FORWARDER_PUBS_BIND", "tcp://*:5576,tcp://*:5577", ENDPOINT]]],
  ["streamer", "dist/devices/streamer.js", [["STREAMER_BIND", "tcp://*:0", ENDPOINT], ["STREAMER_PRODUCERS_BIND", "connect:streamer:5577", ENDPOINT]]],
  ["intruder", "dist/intruder/intruder.js", [["INTRUDER_TARGET", "rep-server", ENDPOINT], ["INTRUDER_SOCKET", "router", CHOICE], ["INTRUDER_WAIT_MS", "1.5", TIMEOUT]]],
];

// Starting a container takes seconds on a loaded machine, a process that exits at once a fraction
// of that: each role's runs (one per case, all its cases at once, ZMQ_CURVE=on) are separate node
// processes in one container (runEach). Every role's container starts before the first test, so
// they run side by side; each test reads its own process's exit code and lines.
const CURVE_ENV = { ZMQ_CURVE: "on", CURVE_SERVER_SECRET: "not-a-key", CURVE_CLIENT_SECRET: "nor-this-one", INTRUDER_WAIT_MS: "100" };

const batches: Array<() => Promise<RunResult[]>> = [];
beforeAll(() => {
  // Not awaited: the tests await their batch, and report its failure.
  for (const start of batches) start().catch(() => undefined);
});

/** `script` once per env, all in one container; run i's exit code and lines. */
function batch(script: string, envs: Array<Record<string, string>>): (i: number) => Promise<RunResult> {
  let runs: Promise<RunResult[]> | undefined;
  const start = () => (runs ??= runEach(envs.map((env) => ({ command: ["node", script], env }))));
  batches.push(start);
  return async (i) => (await start())[i]!;
}

describe.concurrent.each(roles)("%s with bad configuration", (role, script, cases) => {
  const all = Object.fromEntries(cases.map(([variable, value]) => [variable, value]));
  // Run i is case i alone, then all of them at once, then secure mode.
  const run = batch(script, [...cases.map(([variable, value]) => ({ [variable]: value })), all, CURVE_ENV]);

  it.for(cases.map((c, i) => [...c, i] as const))("%s=%j exits 2 naming the variable", async ([variable, , form, i], { expect }) => {
    const { exitCode, lines } = await run(i);
    expect(exitCode).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${role}@\\S+ ERROR config ${variable}: ${form.source}`));
  });

  it("reports every bad variable at once, one line each", async ({ expect }) => {
    const { exitCode, lines } = await run(cases.length);
    expect(exitCode).toBe(2);
    expect(lines.map((line) => line.split(" ")[3]?.replace(/:$/, ""))).toEqual(cases.map(([variable]) => variable));
  });

  it("with ZMQ_CURVE=on, names each missing or malformed key its sockets need, and no other", async ({ expect }) => {
    const keys = keysOf[role]!;
    const { exitCode, lines } = await run(cases.length + 1);
    expect(exitCode).toBe(keys.length > 0 ? 2 : 0);
    const named = lines.flatMap((line) => new RegExp(`^${role}@\\S+ ERROR config (CURVE_[A-Z_]+): (${KEY.source})`).exec(line)?.[1] ?? []);
    expect(named).toEqual(keys);
    // A secret is never echoed, not even a malformed one.
    if (keys.includes("CURVE_SERVER_SECRET")) {
      expect(lines).toContainEqual(expect.stringContaining("CURVE_SERVER_SECRET: expected a 40-character Z85 CURVE key, got 9 characters (value not shown)"));
    }
    expect(lines.join("\n")).not.toMatch(/not-a-key|nor-this-one/);
  });
});

describe.concurrent("a *_BIND set to connect:<endpoint>", () => {
  it("with ZMQ_CURVE=on, makes the role a client of what binds there: it needs the client's keys, not the server's", async ({ expect }) => {
    const env = { ZMQ_CURVE: "on", REP_BIND: "connect:tcp://queue:5575", CURVE_SERVER_SECRET: "not-a-key", CURVE_CLIENT_SECRET: "nor-this-one" };
    const { exitCode, lines } = await runOnce(["node", "dist/reqrep/rep-server.js"], env);
    expect(exitCode).toBe(2);
    const named = lines.flatMap((line) => new RegExp(`^rep-server@\\S+ ERROR config (CURVE_[A-Z_]+): (${KEY.source})`).exec(line)?.[1] ?? []);
    expect(named).toEqual(CLIENT_KEYS);
  });
});

const together: Array<[env: Record<string, string>, message: string]> = [
  [{ INTRUDER_ACTION: "subscribe", INTRUDER_SOCKET: "req" }, 'INTRUDER_SOCKET: expected sub for INTRUDER_ACTION=subscribe, got "req"'],
  [{ INTRUDER_ACTION: "forge", INTRUDER_SOCKET: "pull" }, 'INTRUDER_SOCKET: expected one of req, push, pair, dealer for INTRUDER_ACTION=forge (it sends), got "pull"'],
  [{ INTRUDER_ACTION: "listen", INTRUDER_SOCKET: "push" }, 'INTRUDER_SOCKET: expected one of req, sub, pull, pair, dealer for INTRUDER_ACTION=listen (it receives), got "push"'],
  [{ INTRUDER_ACTION: "raw", INTRUDER_TARGET: "ipc:///tmp/x" }, 'INTRUDER_TARGET: expected a tcp://host:port target for INTRUDER_ACTION=raw, got "ipc:///tmp/x"'],
  [{ INTRUDER_ACTION: "flood", INTRUDER_SOCKET: "push" }, 'INTRUDER_SOCKET: expected xpub for INTRUDER_ACTION=flood, got "push"'],
  [{ INTRUDER_ACTION: "listen", INTRUDER_SOCKET: "xpub" }, 'INTRUDER_SOCKET: expected one of req, sub, pull, pair, dealer for INTRUDER_ACTION=listen (it receives), got "xpub"'],
];

describe.concurrent("intruder variables that are fine alone but not together", () => {
  const run = batch("dist/intruder/intruder.js", together.map(([env]) => env));
  it.for(together.map((c, i) => [...c, i] as const))("%j exits 2 with one line, before any socket opens", async ([, message, i], { expect }) => {
    const { exitCode, lines } = await run(i);
    expect(exitCode).toBe(2);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^intruder@\\S+ ERROR config ${message.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`))]);
  });
});
