import { describe, expect, it } from "vitest";
import { resultOf } from "../services/runtime/index.js";
import { labsPerTest } from "./helpers/labs.js";

// What PAIR really does with a second client: libzmq's PAIR keeps its first peer and leaves a later
// one connected with nothing to read, even once the first has left. Only a client that connects
// after the first one left is served.
const TIMEOUT_MS = 12_000;
const env = { PAIR_MESSAGES: "1000", PAIR_INTERVAL_MS: "300", PAIR_TIMEOUT_MS: String(TIMEOUT_MS) };
const replies = async (lab: { logs(name: string): Promise<string[]> }) =>
  (await lab.logs("pair-server-1")).filter((l) => / reply \d+: Client \S+ message to Server \(\d+\/\d+\)$/.test(l));

describe("pair: the second client", () => {
  const labs = labsPerTest();

  it("stays connected but unserved after the first leaves (exit 3); a client that connects later is served (exit 0)", async () => {
    const lab = await labs.start("pair", { env, scale: { "pair-client": 2 } });
    const names = await lab.names("pair-client");
    // Both clients are up (ready: connecting); two more exchanges later, both have long been connected.
    const before = (await replies(lab)).length;
    await lab.waitForLine("pair-server-1", new RegExp(` reply ${before + 2}: `));
    const served = [];
    for (const name of names) if ((await lab.logs(name)).some((l) => / received 1\//.test(l))) served.push(name);
    expect(served, "exactly one client is served").toHaveLength(1);
    const first = served[0]!;
    const waiting = names.find((name) => name !== first)!;

    // The first client leaves; the one that waited is still not served.
    expect((await lab.stop(first)).exitCode).toBe(143);
    const newcomer = await lab.run(["node", "dist/pair/pair-client.js"], { ...env, PAIR_MESSAGES: "3" });
    expect(newcomer.exitCode).toBe(0);
    expect(resultOf(newcomer.lines)).toMatchObject({ exchanges: 3, messages: 3, verdict: "PASS" });
    expect((await lab.state(waiting)).running, `${waiting} still waiting after the newcomer was served`).toBe(true);

    expect(await lab.waitForExit(waiting)).toBe(3);
    const waitingLines = await lab.logs(waiting);
    expect(waitingLines.filter((l) => / received /.test(l))).toEqual([]);
    expect(waitingLines).toContainEqual(expect.stringMatching(new RegExp(` ERROR no message .*within ${TIMEOUT_MS} ms.*PAIR is exclusive`)));
    expect(await lab.result(waiting)).toMatchObject({ exchanges: 0, verdict: "FAIL" });

    // The server answered the first client and the newcomer only: 3 replies from the newcomer.
    expect((await lab.stop("pair-server-1")).exitCode).toBe(0);
    const { clients } = await lab.result<{ clients: Record<string, number> }>("pair-server-1");
    const newcomerId = resultOf(newcomer.lines)!.replica as string;
    expect(Object.keys(clients)).toHaveLength(2);
    expect(clients[newcomerId]).toBe(3);
  });
});
