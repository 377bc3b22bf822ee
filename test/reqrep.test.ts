import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/reqrep.js";

const REQUESTS = 8;
// Short work keeps the run quick; the timeout is far above 3 clients × REP_WORK_MS, and with no
// retries a lost reply fails the run instead of being papered over.
const env = { ...base, REQUESTS: String(REQUESTS), REQ_TIMEOUT_MS: "5000", REQ_RETRIES: "0" };

/** The per-client table the server logged right after the last line matching `summary`. */
function reportAfter(lines: string[], summary: RegExp): Map<string, number> {
  const at = lines.findLastIndex((line) => summary.test(line));
  expect(at, `no server line matching ${summary}`).toBeGreaterThanOrEqual(0);
  const rows = new Map<string, number>();
  // Skip the table's header and its dashes, then read rows until the next non-row line.
  for (const line of lines.slice(at + 3)) {
    const row = /^rep-server@\S+ (\S+) +(\d+)$/.exec(line);
    if (!row) break;
    rows.set(row[1]!, Number(row[2]));
  }
  return rows;
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
      const lines = await lab.logs(name);
      const id = /ready: .*client id (\S+),/.exec(lines.find((l) => / ready: /.test(l)) ?? "")?.[1];
      expect(id, `${name} logged no client id`).toBeDefined();
      ids.push(id!);
      const numbers = lines.map((l) => /^req-client@\S+ reply (\d+)\/(\d+): Hi from Server$/.exec(l)).filter((m) => m !== null);
      expect(numbers.map((m) => Number(m[1]))).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
      expect(numbers.every((m) => Number(m[2]) === REQUESTS)).toBe(true);
      expect(lines.at(-1)).toMatch(new RegExp(`^req-client@\\S+ done: ${REQUESTS} replies$`));
      expect(lines.filter((l) => / (WARN|ERROR) /.test(l))).toEqual([]);
    }
    expect(new Set(ids).size).toBe(3);

    const total = 3 * REQUESTS;
    const idle = new RegExp(`^rep-server@\\S+ idle for 1500 ms: answered ${total} requests from 3 clients, 0 rejected$`);
    await lab.waitForLine("rep-server-1", idle);
    const serverLines = await lab.logs("rep-server-1");
    const expected = new Map(ids.map((id) => [id, REQUESTS]));
    expect(reportAfter(serverLines, idle)).toEqual(expected);
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
    const withGarbage = new RegExp(`^rep-server@\\S+ idle for 1500 ms: answered ${total + 4} requests from 4 clients, 1 rejected$`);
    await lab.waitForLine("rep-server-1", withGarbage);
    expected.set("(other)", 4);
    expect(reportAfter(await lab.logs("rep-server-1"), withGarbage)).toEqual(expected);

    const stopped = await lab.stop("rep-server-1");
    expect(stopped.exitCode).toBe(0);
    expect(stopped.elapsedMs).toBeLessThan(2_000);
    const stopReport = new RegExp(`^rep-server@\\S+ stopping: answered ${total + 4} requests from 4 clients, 1 rejected$`);
    expect(reportAfter(await lab.logs("rep-server-1"), stopReport)).toEqual(expected);
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
    expect(await lab.logs("rep-server-1")).toContainEqual(expect.stringMatching(/ stopping: answered 0 requests from 0 clients, 0 rejected$/));
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
    expect(lines.at(-1)).toMatch(
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
