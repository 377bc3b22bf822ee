// Drill: raw bytes and frame garbage on lb-broker's two ports while clients and workers work.
// Raw bytes fail the handshake. Frames from a socket that isn't REQ (clients) or a worker's protocol
// (workers) are counted as malformed and dropped; a REQ's multipart request gets an error reply, and
// its single-frame requests, whatever the text, are served: the broker never reads a request's body.
import { describe, expect, it } from "vitest";
import { base, brokerIdle, repliesOf } from "./helpers/broker.js";
import { attack, expectRejected, KINDS, sendGarbage } from "./helpers/drills.js";
import { labsPerTest } from "./helpers/labs.js";

describe("drill: garbage and raw bytes on the broker's ports", () => {
  const labs = labsPerTest();

  it("lb-broker:5570 and :5571 reject raw bytes, count malformed frames, and every client still gets every reply", async () => {
    const env = { ...base, WORK_MS: "100", REQUESTS: "20" };
    const lab = await labs.start("broker", { env, scale: { "broker-client": 2, "broker-worker": 2 } });
    await lab.waitForLine("broker-client-1", / reply 1\//);
    const [, req, dealerFront, dealerBack] = await Promise.all([
      attack(lab, ["tcp://lb-broker:5570", "tcp://lb-broker:5571"]),
      sendGarbage(lab, "tcp://lb-broker:5570", "req"),
      sendGarbage(lab, "tcp://lb-broker:5570", "dealer"),
      sendGarbage(lab, "tcp://lb-broker:5571", "dealer"),
    ]);
    // Single-frame garbage is a request like any other; the multipart one is refused; the 128 KiB one never arrives.
    const replies = req.lines.map((l) => / reply to (\S+): (.*)$/.exec(l)?.slice(1).join(": ")).filter(Boolean);
    expect(replies).toEqual([
      expect.stringMatching(/^bad-json: Hi from worker \S+$/),
      expect.stringMatching(/^non-numeric: Hi from worker \S+$/),
      expect.stringMatching(/^text: Hi from worker \S+$/),
      expect.stringMatching(/^empty: Hi from worker \S+$/),
      "multipart: ERROR malformed request",
      "oversized: none",
    ]);
    expect(dealerFront.exitCode + dealerBack.exitCode).toBe(0);

    for (const name of ["broker-client-1", "broker-client-2"]) {
      expect(await lab.waitForExit(name)).toBe(0);
      expect(await repliesOf(lab, name, 20)).toHaveLength(20);
    }
    // 5 frame kinds from each DEALER (front: no REQ envelope; back: no worker command) + the REQ's multipart.
    const result = await brokerIdle(lab, 2 * 20 + 4);
    expect(result).toMatchObject({ answered: 44, malformed: 11, requeued: 0, purged: 0 });
    // brokerIdle stopped the broker (exit 0) to read its RESULT.
    await expectRejected(lab, "lb-broker-1", 2 * KINDS);
    console.log(`drill broker: ${2 * KINDS} raw connections rejected, 11 malformed counted, 40 of 40 client replies`);
  });
});
