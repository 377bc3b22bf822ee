import { describe, expect, it } from "vitest";
import { answeredBy, base, brokerIdle, workerId } from "./helpers/broker.js";
import { labsPerTest } from "./helpers/labs.js";

const CLIENTS = ["broker-client-1", "broker-client-2", "broker-client-3"];

describe("broker profile", () => {
  const labs = labsPerTest();

  it("3 clients × 30 requests over 4 workers: each answered once, every worker served, the slow one least", async () => {
    const lab = await labs.start("broker", { env: base, scale: { "broker-client": 3, "broker-worker": 3, "slow-worker": 1 } });
    const total = 3 * Number(base.REQUESTS);
    const byReply = await answeredBy(lab, CLIENTS, Number(base.REQUESTS));
    const result = await brokerIdle(lab, total);
    expect(result).toMatchObject({ answered: total, requeued: 0, purged: 0, late: 0, full: 0, malformed: 0 });
    expect(new Map(Object.entries(result.workers))).toEqual(byReply);

    // Each worker's own log agrees with what the clients and the broker saw.
    const fast = await Promise.all((await lab.names("broker-worker")).map((name) => workerId(lab, name)));
    const slow = await workerId(lab, "slow-worker-1");
    expect([...byReply.keys()].sort()).toEqual([...fast, slow].sort());
    for (const name of [...(await lab.names("broker-worker")), "slow-worker-1"]) {
      const served = (await lab.logs(name)).filter((l) => / served request \d+ in \d+ ms: Hello from client /.test(l));
      expect(served.length, name).toBe(byReply.get(await workerId(lab, name)));
    }
    // 12× the work per request: the broker gives it far fewer than a fast worker's mean.
    const fastMean = fast.reduce((n, id) => n + byReply.get(id)!, 0) / fast.length;
    const ratio = byReply.get(slow)! / fastMean;
    console.log(`slow worker: ${byReply.get(slow)} vs fast mean ${fastMean.toFixed(1)} (ratio ${ratio.toFixed(2)})`);
    expect(byReply.get(slow)).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(0.5);
  });
});
