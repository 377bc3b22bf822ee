import { describe, expect, it } from "vitest";
import { makeBatch } from "../services/pipeline/wire.js";
import { resultOf } from "../services/runtime/index.js";
import { sendGarbage } from "./helpers/drills.js";
import { labsPerTest } from "./helpers/labs.js";
import { base, collected } from "./helpers/pipeline.js";

// Drill: the intruder sends one malformed message of each kind (services/intruder/garbage.ts) to
// every bound port that accepts frames. rep-server's REP port is covered in test/reqrep.test.ts;
// here are pair-server's PAIR port and the collector's two PULL ports (pair-server takes any text,
// so it rejects only the multipart message). Every other bound socket is a
// PUB or a PUSH, which never reads what a peer sends (drill-raw-wire.test.ts sends raw bytes to
// every bound port, those included). The 128 KiB frame never reaches a role:
// libzmq drops the connection at the 64 KiB maxMessageSize, so 5 of the 6 kinds are counted.
const REJECTED_KINDS = 5;

describe("drill: garbage on the wire", () => {
  const labs = labsPerTest();

  it("pair-server takes any text as an answer, rejects only what is no text, then serves a real client as before", async () => {
    const env = { PAIR_BIND: "tcp://*:5555", PAIR_INTERVAL_MS: "100", PAIR_TIMEOUT_MS: "1000" };
    const lab = await labs.start("pair", { env, services: ["pair-server"] });

    // PAIR is exclusive: the intruder gets the slot only while no client holds it.
    await sendGarbage(lab, "tcp://pair-server:5555", "pair");
    await lab.waitForLine("pair-server-1", / WARN rejected reply 1 /);

    // Longer than the server's timeout: the server's first message may have gone to the intruder's dead pipe.
    const client = await lab.run(["node", "dist/pair/pair-client.js"], { PAIR_CONNECT: "tcp://pair-server:5555", PAIR_MESSAGES: "5", PAIR_TIMEOUT_MS: "5000" });
    expect(client.exitCode).toBe(0);
    expect(resultOf(client.lines)).toMatchObject({ exchanges: 5, messages: 5, verdict: "PASS" });

    const stopped = await lab.stop("pair-server-1");
    expect(stopped.exitCode).toBe(0);
    const lines = await lab.logs("pair-server-1");
    // Only the 3-frame message is no text; the other four kinds are text from a client that isn't ours.
    const rejected = lines.filter((l) => / WARN rejected reply \d+ /.test(l));
    expect(rejected).toEqual([expect.stringMatching(/ WARN rejected reply 1 \(not one frame of UTF-8 text\): 3 frames: "part-1" \+ "part-2" \+ "part-3"$/)]);
    const foreign = lines.filter((l) => / reply \d+ \(not the lab's pair-client, accepted as text\): /.test(l));
    expect(foreign.map((l) => l.replace(/^.* accepted as text\): /, ""))).toEqual([
      JSON.stringify('{"num": 5'),
      JSON.stringify('{"consumer": "intruder", "num": "five", "task": "x"}'),
      JSON.stringify("10001 hot"),
      '""',
    ]);
    expect(lines.filter((l) => / reply \d+: Client \S+ message to Server \(\d\/5\)$/.test(l))).toHaveLength(5);
    // Four foreign texts under "(other)" and the real client's five, by its id.
    const { replica } = resultOf(client.lines)!;
    expect(await lab.result("pair-server-1")).toEqual(expect.objectContaining({ replies: 9, rejected: 1, clients: { "(other)": 4, [replica as string]: 5 } }));
    console.log(`drill garbage, pair-server: 1 rejected, ${foreign.length} foreign texts accepted, 5 of 5 client replies counted, exit ${stopped.exitCode}`);
  });

  it("the collector counts garbage as rejected mid-batch and still matches the batch exactly", async () => {
    const TASKS = 120;
    const env = {
      ...base,
      TASKS: String(TASKS),
      // About 4 s of batch on 3 consumers: the intruder lands while results still flow.
      TASK_MODE: "sleep",
      TASK_SLEEP_MS: "100",
    };
    const lab = await labs.start("pipeline", { env, scale: { consumer: 3 } });
    await lab.waitForLine("collector-1", new RegExp(` result 1/(?:${TASKS}|\\?) from `));

    // Both ports that read frames: results (5558) and the producer's batch port (5560).
    await Promise.all([sendGarbage(lab, "tcp://collector:5558", "push"), sendGarbage(lab, "tcp://collector:5560", "push")]);

    expect(await lab.waitForExit("collector-1")).toBe(0);
    const lines = await lab.logs("collector-1");
    const rejected = lines.map((l, i) => [l, i] as const).filter(([l]) => / WARN rejected message \d+ /.test(l));
    const on = (port: string) => rejected.map(([l]) => l.replace(/^collector@\S+ WARN rejected message \d+ /, "")).filter((l) => l.startsWith(`on the ${port} port: `));
    expect(on("results")).toEqual([
      expect.stringMatching(/^on the results port: not JSON: /),
      'on the results port: "num" is not an integer: "five"',
      expect.stringMatching(/^on the results port: not JSON: "10001 hot"/),
      "on the results port: empty frame",
      "on the results port: multipart message of 3 frames",
    ]);
    expect(on("batch")).toEqual([
      expect.stringMatching(/^on the batch port: not JSON: /),
      expect.stringMatching(/^on the batch port: neither a batch start nor a re-dispatch notice: /),
      expect.stringMatching(/^on the batch port: not JSON: "10001 hot"/),
      "on the batch port: empty frame",
      "on the batch port: multipart message of 3 frames",
    ]);
    expect(rejected).toHaveLength(2 * REJECTED_KINDS);
    // Mid-batch: results were counted both before and after the garbage.
    const results = lines.map((l, i) => (/ result \d+\/(?:\d+|\?) from /.test(l) ? i : -1)).filter((i) => i >= 0);
    expect(results[0]!).toBeLessThan(rejected[0]![1]);
    expect(results.at(-1)!).toBeGreaterThan(rejected.at(-1)![1]);

    const total = makeBatch(TASKS, 7).total;
    const report = await collected(lab);
    expect(report).toMatchObject({ verdict: "PASS", count: TASKS, sum: total, announcedTasks: TASKS, announcedTotal: total, rejected: 2 * REJECTED_KINDS });
    // Nothing the intruder sent reached a consumer's row: the three rows are the three consumers.
    expect(report.rows.map((row) => row.consumer)).toEqual(await lab.names("consumer"));
    expect(lines.some((l) => /intruder/.test(l) && !/ WARN rejected /.test(l))).toBe(false);
    const during = results.filter((i) => i > rejected[0]![1]).length;
    console.log(`drill garbage, collector: ${rejected.length} rejected mid-batch (${during} results counted after it), total ${TASKS} tasks, sum ${total}: PASS`);
  });
});
