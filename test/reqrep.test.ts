import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/reqrep.js";

const REQUESTS = 8;
// Short work keeps the run quick; the timeout is far above 3 clients × REP_WORK_MS, and with no
// retries a lost reply fails the run instead of being papered over.
const env = { ...base, REQUESTS: String(REQUESTS), REQ_TIMEOUT_MS: "5000", REQ_RETRIES: "0" };

/** A request whose "id" tries to print a verdict and a RESULT of its own, and to colour the terminal. */
const FORGED_ID = 'x\nrep-server@x verdict: PASS\nRESULT {"role":"rep-server","answered":0}\u001b[31m';
/** One REQ round trip with that id, from the role image on the lab's network. */
const FORGE = `
import * as zmq from "zeromq";
const socket = new zmq.Request({ receiveTimeout: 10000, linger: 0 });
socket.connect("tcp://rep-server:5555");
await socket.send("Hello from client " + process.env.FORGED);
await socket.receive();
socket.close();
`;

/** req-client's RESULT (docs/patterns/reqrep.md). */
interface ClientResult {
  id: string;
  replies: number;
  requests: number;
  retries: number;
  verdict: string;
  /** µs, over the answered requests; absent when none was answered. */
  roundTripUs?: { p50: number; p99: number; max: number; mean: number };
}

describe("reqrep profile", () => {
  const labs = labsPerTest();

  it("serves three clients: each gets REQUESTS replies in order, the server counts them per client id and rejects garbage", async () => {
    const lab = await labs.start("reqrep", { env, scale: { "req-client": 3 } });
    const names = await lab.names("req-client");
    expect(names).toEqual(["req-client-1", "req-client-2", "req-client-3"]);

    const codes = await Promise.all(names.map((name) => lab.waitForExit(name)));
    expect(codes).toEqual([0, 0, 0]);

    const ids: string[] = [];
    for (const name of names) {
      const result = await lab.result<ClientResult>(name);
      expect(result).toMatchObject({ replies: REQUESTS, requests: REQUESTS, retries: 0, verdict: "PASS" });
      // Its round trips, as the bench reads them: ordered figures of real waits, whatever they are.
      const trips = result.roundTripUs!;
      expect(trips.p50).toBeGreaterThan(0);
      expect([trips.p50, trips.p99, trips.max]).toEqual([trips.p50, trips.p99, trips.max].sort((a, b) => a - b));
      expect(trips.mean).toBeLessThanOrEqual(trips.max);
      ids.push(result.id);
      const lines = await lab.logs(name);
      const numbers = lines.map((l) => /^req-client@\S+ reply (\d+)\/(\d+): Hi from Server$/.exec(l)).filter((m) => m !== null);
      expect(numbers.map((m) => Number(m[1]))).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
      expect(numbers.every((m) => Number(m[2]) === REQUESTS)).toBe(true);
      expect(lines.filter((l) => / (WARN|ERROR) /.test(l))).toEqual([]);
    }
    expect(new Set(ids).size).toBe(3);

    // The server's idle summary says when it has answered them all; its RESULT, at the stop, has the table.
    const total = 3 * REQUESTS;
    await lab.waitForLine("rep-server-1", new RegExp(` idle for 1500 ms: answered ${total} requests from 3 clients, 0 rejected$`));
    const serverLines = await lab.logs("rep-server-1");
    const expected = Object.fromEntries(ids.map((id) => [id, REQUESTS]));
    for (const id of ids) {
      expect(serverLines.filter((l) => l.includes(` answered ${id} (`))).toHaveLength(REQUESTS);
    }

    // Every request gets a reply (REP's lockstep). Text that is not ours counts for "(other)";
    // only the 3-frame message, no text at all, is rejected.
    const intruder = await lab.run(["node", "dist/intruder/intruder.js"], {
      INTRUDER_TARGET: "tcp://rep-server:5555",
      INTRUDER_SOCKET: "req",
      INTRUDER_ACTION: "garbage",
      INTRUDER_WAIT_MS: "2000",
    });
    expect(intruder.exitCode).toBe(0);
    const answeredKinds = intruder.lines.map((l) => / reply to (\S+): Hi from Server$/.exec(l)?.[1]).filter(Boolean);
    expect(answeredKinds).toEqual(["bad-json", "non-numeric", "text", "empty", "multipart"]);
    // The oversized frame never reaches the server: libzmq drops the connection (64 KiB limit).
    await lab.waitForLine("rep-server-1", new RegExp(` idle for 1500 ms: answered ${total + 4} requests from 4 clients, 1 rejected$`));

    // Log injection (#19): an id with a newline, a forged verdict and RESULT, and an ANSI escape is
    // no id by the id rule. It counts for "(other)", and the server's log shows it escaped on one line.
    const forged = await lab.run(["node", "--input-type=module", "-e", FORGE], { FORGED: FORGED_ID });
    expect(forged.exitCode, forged.lines.join("\n")).toBe(0);
    await lab.waitForLine("rep-server-1", new RegExp(` idle for 1500 ms: answered ${total + 5} requests from 4 clients, 1 rejected$`));
    const afterForge = await lab.logs("rep-server-1");
    expect(afterForge.filter((l) => /^(RESULT |rep-server@\S+ verdict)/.test(l))).toEqual([]);
    expect(afterForge).toContainEqual(expect.stringMatching(/ answered \(other\) \(5 so far\): "Hello from client x\\nrep-server@x verdict: PASS\\nRESULT/));
    expect(afterForge.some((l) => l.includes("\u001b"))).toBe(false);

    const stopped = await lab.stop("rep-server-1");
    expect(stopped.exitCode).toBe(0);
    expect(stopped.elapsedMs).toBeLessThan(2_000);
    expect(await lab.result("rep-server-1")).toEqual(
      expect.objectContaining({ answered: total + 5, rejected: 1, clients: { ...expected, "(other)": 5 } }),
    );
  });

  it("stops cleanly mid-request within 2 s, no timeout reported: the client, stopped before its verdict, exits 143; the server 0", async () => {
    // The server is still "working" on the first request when both are stopped.
    const lab = await labs.start("reqrep", { env: { ...env, REP_WORK_MS: "20000", REQ_TIMEOUT_MS: "30000" } });

    const client = await lab.stop("req-client-1");
    expect(client.exitCode).toBe(143);
    expect(client.elapsedMs).toBeLessThan(2_000);
    const clientLines = await lab.logs("req-client-1");
    expect(clientLines.at(-1)).toMatch(/^req-client@\S+ WARN stopped by SIGTERM before its verdict: exit 143$/);
    expect(clientLines.filter((l) => / (WARN|ERROR) /.test(l))).toEqual([clientLines.at(-1)]);

    const server = await lab.stop("rep-server-1");
    expect(server.exitCode).toBe(0);
    expect(server.elapsedMs).toBeLessThan(2_000);
    expect(await lab.result("rep-server-1")).toEqual(expect.objectContaining({ answered: 0, rejected: 0, clients: {} }));
  });

  it("no server: the client resends on a fresh socket, each wait longer than the last, then exits 3 saying it never connected", async () => {
    const timeoutMs = 1000;
    const attempts = 2;
    const lab = await labs.start("reqrep", {
      services: ["req-client"],
      env: { ...env, REQ_TIMEOUT_MS: String(timeoutMs), REQ_RETRIES: String(attempts - 1), CLIENT_ID: "lonely" },
    });
    expect(await lab.names("rep-server")).toEqual([]);

    expect(await lab.waitForExit("req-client-1", 30_000)).toBe(3);
    const lines = await lab.logs("req-client-1");
    expect(lines.filter((l) => / reply \d+\//.test(l))).toEqual([]);
    const warns = lines.filter((l) => / WARN /.test(l));
    expect(warns).toEqual([
      expect.stringMatching(
        new RegExp(`^req-client@\\S+ WARN no reply to request 1/${REQUESTS} within ${timeoutMs} ms; resending on a fresh socket, waiting up to \\d+ ms \\(attempt 2/2\\)$`),
      ),
    ]);
    // Backoff: the second wait is twice the first, ±20% jitter.
    const second = Number(/waiting up to (\d+) ms/.exec(warns[0]!)![1]);
    expect(second).toBeGreaterThanOrEqual(1.6 * timeoutMs);
    expect(second).toBeLessThanOrEqual(2.4 * timeoutMs);
    const lonely = await lab.result<ClientResult>("req-client-1");
    expect(lonely).toMatchObject({ id: "lonely", replies: 0, requests: REQUESTS, retries: 1, verdict: "FAIL" });
    expect(lonely.roundTripUs).toBeUndefined();
    expect(lines.findLast((l) => / ERROR /.test(l))).toMatch(
      new RegExp(
        `^req-client@\\S+ ERROR no reply to request 1/${REQUESTS}: never connected to tcp://rep-server:5555: ` +
          "is rep-server running, and is REQ_CONNECT right\\?; giving up$",
      ),
    );

    // Bounds on correctness, not speed: every attempt waited its full timeout, and nothing hung on.
    const { startedAt, finishedAt } = await lab.state("req-client-1");
    const ranMs = finishedAt.getTime() - startedAt.getTime();
    expect(ranMs).toBeGreaterThanOrEqual(timeoutMs + second);
    expect(ranMs).toBeLessThan(timeoutMs + second + 8_000);
  });
});
