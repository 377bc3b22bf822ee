import { afterAll, describe, expect, it } from "vitest";
import { resultOf } from "../services/runtime/index.js";
import { curveKeyPair } from "../services/runtime/keys.js";
import { labKeys } from "./helpers/keys.js";
import { runOnce, type RunResult } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/reqrep.js";

// Why a client heard nothing, from what its socket saw: never connected, handshake failed, or
// connected to a server that doesn't answer. Each case names what to change.
const reqClient = ["node", "dist/reqrep/req-client.js"];
const pairClient = ["node", "dist/pair/pair-client.js"];
const req = { REQUESTS: "1", REQ_TIMEOUT_MS: "500", REQ_RETRIES: "1" };
const pair = { PAIR_TIMEOUT_MS: "1500" };

const keys = labKeys();
const keysDir = keys.dir;
const client = keys.clients["req-client"]!;
afterAll(() => keys[Symbol.dispose]());

/** A lab client's own keys (req-client's); the server key it was given is someone else's. */
const wrongServerKey = () => ({
  ZMQ_CURVE: "on",
  CURVE_SERVER_PUBLIC: curveKeyPair().publicKey,
  CURVE_CLIENT_PUBLIC: client.publicKey,
  CURVE_CLIENT_SECRET: client.secretKey,
});

/** The client's explanation: its last ERROR line, before the RESULT that records the failed verdict. */
const lastLine = (run: RunResult) => {
  expect(run.exitCode, run.lines.join("\n")).toBe(3);
  expect(resultOf(run.lines)).toMatchObject({ verdict: "FAIL" });
  expect(run.lines.at(-1)).toMatch(/^RESULT /);
  return run.lines.findLast((line) => / ERROR /.test(line));
};

describe("hints: a client that hears nothing says why", () => {
  const labs = labsPerTest();

  it("never connected: no server at that address", async () => {
    // Outside any lab network: the server's name doesn't resolve.
    const [reqRun, pairRun] = await Promise.all([runOnce(reqClient, req), runOnce(pairClient, pair)]);
    expect(lastLine(reqRun)).toMatch(
      /^req-client@\S+ ERROR no reply to request 1\/1: never connected to tcp:\/\/rep-server:5555: is rep-server running, and is REQ_CONNECT right\?; giving up$/,
    );
    expect(lastLine(pairRun)).toMatch(
      /^pair-client@\S+ ERROR no message within 1500 ms: never connected to tcp:\/\/pair-server:5555: is pair-server running, and is PAIR_CONNECT right\?$/,
    );
  });

  it("handshake failed: CURVE on, but the client holds the wrong server key", async () => {
    const curve = { ZMQ_CURVE: "on", ZMQ_LAB_KEYS_DIR: keysDir };
    const [reqLab, pairLab] = await Promise.all([
      labs.start("reqrep", { env: { ...base, ...curve }, services: ["rep-server"] }),
      labs.start("pair", { env: { ...curve, PAIR_INTERVAL_MS: "100", PAIR_TIMEOUT_MS: "5000" }, services: ["pair-server"] }),
    ]);
    const [reqRun, pairRun] = await Promise.all([reqLab.run(reqClient, { ...req, ...wrongServerKey() }), pairLab.run(pairClient, { ...pair, ...wrongServerKey() })]);
    const mismatch = "but the handshake failed.*: CURVE mismatch\\? ZMQ_CURVE must be the same on both sides, and CURVE_SERVER_PUBLIC the server's key \\(npm run keys\\)";
    expect(lastLine(reqRun)).toMatch(new RegExp(`^req-client@\\S+ ERROR no reply to request 1/1: reached tcp://rep-server:5555 ${mismatch}; giving up$`));
    expect(lastLine(pairRun)).toMatch(new RegExp(`^pair-client@\\S+ ERROR no message within 1500 ms: reached tcp://pair-server:5555 ${mismatch}$`));
  });

  it("connected, no reply: a server busier than the client's patience", async () => {
    const lab = await labs.start("reqrep", { env: { ...base, REP_WORK_MS: "5000" }, services: ["rep-server"] });
    const run = await lab.run(reqClient, req);
    expect(lastLine(run)).toMatch(
      /^req-client@\S+ ERROR no reply to request 1\/1: connected to tcp:\/\/rep-server:5555, but no reply within \d+ ms over 2 attempts \(server busy\? 0 of 1 requests answered so far\): raise REQ_TIMEOUT_MS or REQ_RETRIES, or run fewer clients; giving up$/,
    );
    // Still connected after the first timeout: it waited longer in the queue rather than resend.
    expect(run.lines).toContainEqual(expect.stringMatching(/ WARN no reply to request 1\/1 within 500 ms; still connected, so keeping its place in the server's queue, waiting up to \d+ ms \(attempt 2\/2\)$/));
  });
});
