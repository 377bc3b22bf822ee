import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/reqrep.js";

// Drill: rep-server restarts while 3 clients are mid-run. The Lazy Pirate client times out on the
// lost reply, resends on a fresh socket, and every request ends answered; none hangs.
const REQUESTS = 12;
const TIMEOUT_MS = 1500;
const RETRIES = 4;
const env = {
  ...base,
  REQUESTS: String(REQUESTS),
  // Well above 3 clients × REP_WORK_MS, and × attempts well above a restart.
  REQ_TIMEOUT_MS: String(TIMEOUT_MS),
  REQ_RETRIES: String(RETRIES),
};

describe("drill: rep-server restarts mid-run", () => {
  const labs = labsPerTest();

  it("every client finishes with all its replies; lost requests are resent on a fresh socket", async () => {
    const lab = await labs.start("reqrep", { env, scale: { "req-client": 3 } });
    const names = await lab.names("req-client");
    expect(names).toHaveLength(3);
    // Mid-run: every client has replies, none is done.
    for (const name of names) await lab.waitForLine(name, / reply 2\/12: /);
    await lab.restart("rep-server-1");

    const codes = await Promise.all(names.map((name) => lab.waitForExit(name, 60_000)));
    expect(codes).toEqual([0, 0, 0]);

    let retries = 0;
    const perClient: string[] = [];
    for (const name of names) {
      const lines = await lab.logs(name);
      const replies = lines.flatMap((l) => /^req-client@\S+ reply (\d+)\/12: Hi from Server$/.exec(l)?.[1] ?? []).map(Number);
      // Exactly one reply per request, in order: a retry never shows up as a second reply.
      expect(replies).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
      expect(lines.filter((l) => / ERROR /.test(l))).toEqual([]);
      const warns = lines.filter((l) => / WARN /.test(l));
      expect(await lab.result(name)).toMatchObject({ replies: REQUESTS, requests: REQUESTS, retries: warns.length, verdict: "PASS" });
      for (const warn of warns) {
        // The request died with the old server's connection, so it goes out again; the wait grows.
        expect(warn).toMatch(/^req-client@\S+ WARN no reply to request \d+\/12 within \d+ ms; resending on a fresh socket, waiting up to \d+ ms \(attempt [2-5]\/5\)$/);
      }
      retries += warns.length;
      perClient.push(`${name} ${warns.length}`);
    }
    // Each client had a request at the server when it went down (REQ always has one out).
    expect(retries).toBeGreaterThanOrEqual(1);

    // The server really restarted: two runs in one container log, the first one ended cleanly.
    const server = await lab.logs("rep-server-1");
    expect(server.filter((l) => / ready: bound tcp:\/\/\*:5555/.test(l))).toHaveLength(2);
    // The first run's RESULT, written as it stopped (the second run is still serving).
    const firstRun = await lab.result<{ clients: Record<string, number>; rejected: number }>("rep-server-1");
    expect(Object.keys(firstRun.clients)).toHaveLength(3);
    expect(firstRun.rejected).toBe(0);
    const answered = server.filter((l) => / answered \S+ \(\d+ so far\)/.test(l)).length;
    // At least every request; a resent request the old server had already answered counts twice.
    expect(answered).toBeGreaterThanOrEqual(3 * REQUESTS);
    expect(answered).toBeLessThanOrEqual(3 * REQUESTS + retries);
    console.log(`drill rep-server restart: ${retries} retries (${perClient.join(", ")}), server answered ${answered} requests for ${3 * REQUESTS}`);
  });
});
