import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requestText } from "../services/reqrep/wire.js";
import { chaosPerTest } from "./helpers/chaos.js";
import { labKeys } from "./helpers/keys.js";
import { repoRoot, type Lab } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/reqrep.js";

// Network drills on REQ/REP: the server partitioned 5 s while Lazy Pirate clients work, and what
// the wire shows of a request with CURVE off and on (a tcpdump capture on the server's side).
const REQUESTS = 14;
// 200 ms of work per request, one at a time: three clients' 42 requests take about 8 s, so the cut lands mid-run.
const env = { ...base, REQUESTS: String(REQUESTS), REP_WORK_MS: "200", REQ_TIMEOUT_MS: "1000", REQ_RETRIES: "30", REQ_BACKOFF: "off", HEARTBEAT_MS: "1000" };
const replies = (lines: string[]) => lines.filter((l) => new RegExp(` reply \\d+/${REQUESTS}: Hi from Server$`).test(l)).length;

// The lab's keys in a throwaway folder, as npm run keys writes them.
const keys = labKeys({});
afterAll(() => keys[Symbol.dispose]());

describe("drill: network faults on REQ/REP", () => {
  const labs = labsPerTest();
  const chaos = chaosPerTest();

  it("rep-server partitioned 5 s: the Lazy Pirate clients retry and all finish with every reply after the heal", async () => {
    const lab = await labs.start("reqrep", { env, scale: { "req-client": 3 } });
    const faults = chaos.on(lab);
    await lab.waitForLine("req-client-1", / reply 2\//);
    await faults.partition("rep-server");
    const cutAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5000)); // the outage's length, not a readiness wait
    await faults.heal("rep-server");
    const healAt = Date.now();
    expect((await faults.rules("rep-server")).get("rep-server-1")).toEqual([]);
    const figures: string[] = [];
    for (const name of await lab.names("req-client")) {
      const code = await lab.waitForExit(name, 60_000);
      const lines = await lab.logs(name);
      expect(code, `${name}: ${lines.slice(-5).join("\n")}`).toBe(0);
      expect(replies(lines), name).toBe(REQUESTS);
      const { finishedAt } = await lab.state(name);
      // A client still at work when the cable was cut had to retry (one done before it had not).
      if (finishedAt.getTime() > cutAt) {
        expect(lines, `${name} retried during the partition`).toContainEqual(expect.stringMatching(/ WARN no reply to request \d+\/\d+ within \d+ ms; resending on a fresh socket/));
      }
      const retries = lines.filter((l) => / WARN no reply to request /.test(l)).length;
      figures.push(`${name}: ${REQUESTS}/${REQUESTS} replies, ${retries} retries, done ${((finishedAt.getTime() - healAt) / 1000).toFixed(2)} s after the heal`);
    }
    console.log(`drill partition rep-server ${((healAt - cutAt) / 1000).toFixed(1)} s:\n  ${figures.join("\n  ")}`);
  });

  it("CURVE on the wire: a capture shows the request text with ZMQ_CURVE=off, neither request nor reply with it on", async () => {
    const id = "wire-check";
    const request = requestText(id);
    const reply = base.REP_REPLY;
    const captured = await Promise.all(
      (["off", "on"] as const).map(async (mode) => {
        const modeEnv = { ...env, REP_WORK_MS: "50", CLIENT_ID: id, REQUESTS: "3", ZMQ_CURVE: mode, ZMQ_LAB_KEYS_DIR: keys.dir };
        const lab: Lab = await labs.start("reqrep", { env: modeEnv, services: ["rep-server"] });
        // Capturing before the client starts: its whole conversation is in the file.
        const capture = await chaos.on(lab).capture("rep-server-1", 60, join(repoRoot, ".lab", "captures"));
        await lab.scale("req-client", 1);
        expect(await lab.waitForExit("req-client-1", 30_000)).toBe(0);
        expect((await lab.logs("req-client-1")).filter((l) => / reply \d+\/3: Hi from Server$/.test(l))).toHaveLength(3);
        await capture.stop();
        const { bytes, file } = await capture.done;
        return { mode, bytes, file };
      }),
    );
    const [off, on] = captured as [(typeof captured)[0], (typeof captured)[0]];
    const has = (bytes: Buffer, text: string) => bytes.includes(Buffer.from(text));
    expect(off.bytes.length).toBeGreaterThan(0);
    expect(has(off.bytes, request), "request text in the plaintext capture").toBe(true);
    expect(has(off.bytes, reply), "reply text in the plaintext capture").toBe(true);
    expect(on.bytes.length).toBeGreaterThan(off.bytes.length / 2);
    expect(has(on.bytes, request), "request text in the CURVE capture").toBe(false);
    expect(has(on.bytes, reply), "reply text in the CURVE capture").toBe(false);
    console.log(
      `drill curve on the wire: ZMQ_CURVE=off ${off.bytes.length} bytes captured, "${request}" and "${reply}" in them; ZMQ_CURVE=on ${on.bytes.length} bytes, neither (${off.file}, ${on.file})`,
    );
  });
});
