// The dashboard under a telemetry flood: an intruder container sends its SUB 10 000 messages a
// second (well-formed records with an unknown field, and one malformed message per refusal reason,
// in turns) while a pipeline runs. The dashboard must keep serving /metrics and its stream, keep
// taking the real roles' records, count every refused message under its reason, and show them.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resultOf } from "../services/runtime/log.js";
import { withBrowser } from "./helpers/browser.js";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/pipeline.js";
import { repoRoot } from "./helpers/repo.js";
import { followEvents, sample, samplesBy, viewEnv, type Snapshot } from "./helpers/view.js";

const FLOOD = { messages: 30_000, rate: 10_000 };
const collectorCount = (s: Snapshot) => Number(s.nodes.find((n) => n.replica === "collector-1")?.figures?.count ?? 0);
const refused = (s: Snapshot) => Object.values(s.stats.rejected).reduce((sum, n) => sum + n, 0);

describe("view profile under a telemetry flood", () => {
  const labs = labsPerTest();

  it("keeps serving /metrics and its stream, takes the roles' records, and counts every refused message by reason", async () => {
    // 600 tasks of 40 ms on 2 consumers: about 12 s of batch, under way through the flood.
    const env = { ...base, ...viewEnv, TASKS: "600", TASK_MODE: "sleep", TASK_SLEEP_MS: "40", LOG_EVERY: "auto" };
    const lab = await labs.start("pipeline", { with: ["view"], env, scale: { consumer: 2 } });
    const { port } = await lab.published("dashboard-1", 8080);
    const url = `http://127.0.0.1:${port}/`;
    const metrics = async () => (await fetch(new URL("metrics", url))).text();

    const snapshots: Snapshot[] = [];
    const stream = followEvents(url, (snapshot) => snapshots.push(snapshot));
    try {
      await expect.poll(() => snapshots.some((s) => collectorCount(s) > 0), { timeout: 20_000 }).toBe(true);
      // Scraped all along the flood; each scrape's refused total tells where in the flood it was.
      const scrapes: Array<{ refused: number; count: number }> = [];
      let flooding = true;
      const scraping = (async () => {
        while (flooding) {
          const text = await metrics();
          const byReason = samplesBy(text, "zmqlab_telemetry_rejected_total", "reason");
          scrapes.push({ refused: Object.values(byReason).reduce((sum, n) => sum + n, 0), count: sample(text, "zmqlab_figure", { replica: "collector-1", name: "count" }) ?? 0 });
        }
      })();
      const run = await lab
        .run(["node", "dist/intruder/intruder.js"], {
          INTRUDER_TARGET: "tcp://dashboard:5599",
          INTRUDER_SOCKET: "xpub",
          INTRUDER_ACTION: "flood",
          INTRUDER_COUNT: String(FLOOD.messages),
          INTRUDER_RATE: String(FLOOD.rate),
          INTRUDER_WAIT_MS: "3000",
          TELEMETRY_CONNECT: "",
        })
        .finally(() => (flooding = false));
      await scraping;
      expect(run.exitCode, run.lines.slice(-5).join("\n")).toBe(0);
      console.log(`view-flood: ${run.lines.find((l) => l.includes("flood: sent"))}`);
      const sent = resultOf(run.lines)!["sent"] as Record<string, number>;
      const { record: records, ...malformed } = sent;
      expect(Object.keys(malformed).sort()).toEqual(["frames", "json", "name", "numbers", "version"]);

      // Every message reached the dashboard (the intruder waits instead of dropping) and was
      // counted: the malformed ones under their reason, the well-formed ones as records with an
      // unknown field.
      await expect.poll(async () => samplesBy(await metrics(), "zmqlab_telemetry_rejected_total", "reason"), { timeout: 20_000 }).toEqual(malformed);
      const text = await metrics();
      expect(sample(text, "zmqlab_telemetry_unknown_fields_total", {})).toBe(records);
      const total = Object.values(malformed).reduce((sum, n) => sum + n, 0);

      // While the flood was half taken, /metrics answered, and the stream kept coming with the
      // collector's count rising: the real roles' records got through.
      const midway = (n: number) => n > 0 && n < total;
      expect(scrapes.filter((s) => midway(s.refused)).length).toBeGreaterThan(0);
      const during = snapshots.filter((s) => midway(refused(s)));
      expect(during.length).toBeGreaterThan(1);
      expect(collectorCount(during.at(-1)!)).toBeGreaterThan(collectorCount(during[0]!));

      // Neither crashed nor restarted, and the page's header shows the same counts.
      const dashboard = await lab.state("dashboard-1");
      expect({ running: dashboard.running, restarts: dashboard.restartCount, oom: dashboard.oomKilled }).toEqual({ running: true, restarts: 0, oom: false });
      await withBrowser(async (browser) => {
        const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
        await page.goto(url);
        const header = page.locator("#stats");
        await expect.poll(() => header.textContent(), { timeout: 10_000 }).toContain(`unknown fields: ${records}`);
        for (const [reason, n] of Object.entries(malformed)) expect(await header.textContent()).toContain(`${reason} ${n}`);
        await page.screenshot({ path: join(repoRoot, ".lab", "view-flood.png") });
      });
    } finally {
      stream.stop();
      await stream.ended;
    }
  });
});
