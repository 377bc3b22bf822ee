import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";

/** pair-client's RESULT (docs/patterns/pair.md). */
interface ClientResult {
  replica: string;
  exchanges: number;
  messages: number;
  verdict: string;
}

// Short pauses keep the run quick; the timeout stays well below the winner's 10 exchanges.
const env = { PAIR_MESSAGES: "10", PAIR_INTERVAL_MS: "400", PAIR_TIMEOUT_MS: "2000" };

describe("pair profile", () => {
  const labs = labsPerTest();

  it("exchanges exactly PAIR_MESSAGES messages, then the server stops cleanly", async () => {
    const lab = await labs.start("pair", { env });

    expect(await lab.waitForExit("pair-client-1")).toBe(0);
    const client = await lab.result<ClientResult>("pair-client-1");
    expect(client).toMatchObject({ exchanges: 10, messages: 10, verdict: "PASS" });
    const clientLines = await lab.logs("pair-client-1");
    expect(clientLines.filter((l) => / received \d+\/10: Server message to Client$/.test(l))).toHaveLength(10);

    await lab.waitForLine("pair-server-1", / reply 10: /);
    const stopped = await lab.stop("pair-server-1");
    expect(stopped.exitCode).toBe(0);
    expect(stopped.elapsedMs).toBeLessThan(2_000);
    expect(await lab.logs("pair-server-1")).toContainEqual(expect.stringMatching(/ SIGTERM received, closing sockets$/));
    // Ten replies, all from the one client, by the id it put in its messages (its replica name).
    expect(await lab.result("pair-server-1")).toEqual(expect.objectContaining({ replies: 10, rejected: 0, clients: { [client.replica]: 10 } }));
  });

  it("is exclusive: of two clients one completes, the other gets nothing and exits 3", async () => {
    const lab = await labs.start("pair", { env, scale: { "pair-client": 2 } });
    const names = await lab.names("pair-client");
    expect(names).toEqual(["pair-client-1", "pair-client-2"]);

    const codes = await Promise.all(names.map((name) => lab.waitForExit(name)));
    expect([...codes].sort()).toEqual([0, 3]);

    const winner = names[codes.indexOf(0)]!;
    expect(await lab.result(winner)).toMatchObject({ exchanges: 10, verdict: "PASS" });
    const loser = names[codes.indexOf(3)]!;
    expect(await lab.result(loser)).toMatchObject({ exchanges: 0, messages: 10, verdict: "FAIL" });
    const loserLines = await lab.logs(loser);
    expect(loserLines.some((l) => / received /.test(l))).toBe(false);
    // It reached the server and finished the handshake; PAIR just never serves a second peer.
    expect(loserLines.findLast((l) => / ERROR /.test(l))).toMatch(
      /^pair-client@\S+ ERROR no message within 2000 ms: connected to tcp:\/\/pair-server:5555, but not being served: PAIR is exclusive and another client holds the server$/,
    );

    // Every reply the server counted came from the winner.
    await lab.waitForLine("pair-server-1", / reply 10: /);
    expect((await lab.stop("pair-server-1")).exitCode).toBe(0);
    const { replica } = await lab.result<ClientResult>(winner);
    expect(await lab.result("pair-server-1")).toEqual(expect.objectContaining({ replies: 10, rejected: 0, clients: { [replica]: 10 } }));
  });
});
