import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";

// What PAIR really does with a second client: libzmq's PAIR keeps its first peer and leaves a later
// one connected with nothing to read, even once the first has left. Only a client that connects
// after the first one left is served. The waiting client's timeout outlasts the first client's
// whole run, so it is still there, unserved, when the newcomer is served.
const env = { PAIR_MESSAGES: "3", PAIR_INTERVAL_MS: "200", PAIR_TIMEOUT_MS: "9000" };

describe("pair: the second client", () => {
  const labs = labsPerTest();

  it("stays connected but unserved after the first leaves (exit 3); a client that connects later is served (exit 0)", async () => {
    const lab = await labs.start("pair", { env, scale: { "pair-client": 2 } });
    const names = await lab.names("pair-client");
    // One of the two is served; whichever it is, it is done first.
    const first = await Promise.race(names.map(async (name) => ({ name, code: await lab.waitForExit(name) })));
    expect(first.code).toBe(0);
    const waiting = names.find((name) => name !== first.name)!;
    expect((await lab.state(waiting)).running, `${waiting} still waiting after ${first.name} left`).toBe(true);

    // A newcomer, started after the first left, while the other client still waits.
    const late = await lab.run(["node", "dist/pair/client.js"], env);
    expect(late.exitCode).toBe(0);
    expect(late.lines.filter((l) => / received \d+\/3: Server message to Client$/.test(l))).toHaveLength(3);
    expect(late.lines).toContainEqual(expect.stringMatching(/ done: 3 exchanges$/));

    expect(await lab.waitForExit(waiting)).toBe(3);
    const states = { first: await lab.state(first.name), waiting: await lab.state(waiting) };
    expect(states.waiting.finishedAt.getTime()).toBeGreaterThan(states.first.finishedAt.getTime());
    const waitingLines = await lab.logs(waiting);
    expect(waitingLines.filter((l) => / received /.test(l))).toEqual([]);
    expect(waitingLines).toContainEqual(expect.stringMatching(/ ERROR no message .*within 9000 ms.*PAIR is exclusive/));

    // The server served exactly the first client and the newcomer: 3 replies each, nothing from the one waiting.
    const replies = (await lab.logs("pair-server-1")).filter((l) => / reply \d+: Client \S+ message to Server \(\d\/3\)$/.test(l));
    expect(replies).toHaveLength(6);
    const served = new Set(replies.map((l) => / Client (\S+) message/.exec(l)![1]));
    expect(served.size).toBe(2);
  });
});
