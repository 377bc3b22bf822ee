import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";

// Short pauses keep the run quick; the timeout stays well below the winner's 10 exchanges.
const env = { PAIR_MESSAGES: "10", PAIR_INTERVAL_MS: "400", PAIR_TIMEOUT_MS: "2000" };

describe("pair profile", () => {
  const labs = labsPerTest();

  it("exchanges exactly PAIR_MESSAGES messages, then the server stops cleanly", async () => {
    const lab = await labs.start("pair", { env });

    expect(await lab.waitForExit("pair-client-1")).toBe(0);
    const clientLines = await lab.logs("pair-client-1");
    expect(clientLines.filter((l) => / received \d+\/10: Server message to Client$/.test(l))).toHaveLength(10);
    expect(clientLines).toContainEqual(expect.stringMatching(/^pair-client@\S+ done: 10 exchanges$/));

    await lab.waitForLine("pair-server-1", / reply 10: /);
    const replies = (await lab.logs("pair-server-1")).filter((l) => / reply \d+: Client \S+ message to Server/.test(l));
    expect(replies).toHaveLength(10);
    expect(replies.at(-1)).toMatch(/\(10\/10\)$/);

    const stopped = await lab.stop("pair-server-1");
    expect(stopped.exitCode).toBe(0);
    expect(stopped.elapsedMs).toBeLessThan(2_000);
    expect(await lab.logs("pair-server-1")).toContainEqual(expect.stringMatching(/ SIGTERM received, closing sockets$/));
  });

  it("is exclusive: of two clients one completes, the other gets nothing and exits 3", async () => {
    const lab = await labs.start("pair", { env, scale: { "pair-client": 2 } });
    const names = await lab.names("pair-client");
    expect(names).toEqual(["pair-client-1", "pair-client-2"]);

    const codes = await Promise.all(names.map((name) => lab.waitForExit(name)));
    expect([...codes].sort()).toEqual([0, 3]);

    const winnerLines = await lab.logs(names[codes.indexOf(0)]!);
    expect(winnerLines.filter((l) => / received \d+\/10: /.test(l))).toHaveLength(10);
    const loserLines = await lab.logs(names[codes.indexOf(3)]!);
    expect(loserLines.some((l) => / received /.test(l))).toBe(false);
    // It reached the server and finished the handshake; PAIR just never serves a second peer.
    expect(loserLines.at(-1)).toMatch(
      /^pair-client@\S+ ERROR no message within 2000 ms: connected to tcp:\/\/pair-server:5555, but not being served: PAIR is exclusive and another client holds the server$/,
    );

    const replies = (await lab.logs("pair-server-1")).filter((l) => / reply \d+: /.test(l));
    expect(replies).toHaveLength(10);
  });
});
