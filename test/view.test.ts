// The live view, from what a browser renders and what /metrics says, checked against the
// collector's RESULT: a pipeline of 3 consumers, one of them killed mid-batch.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withBrowser } from "./helpers/browser.js";
import { labKeys } from "./helpers/keys.js";
import { repoRoot } from "./helpers/lab.js";
import { labsPerTest } from "./helpers/labs.js";
import { base, collected } from "./helpers/pipeline.js";
import { base as reqrep } from "./helpers/reqrep.js";
import { sample, viewEnv as view } from "./helpers/view.js";

const screenshots = join(repoRoot, ".lab");

describe("view profile", () => {
  const labs = labsPerTest();

  it("shows 3 consumers working, a killed one gone within 2 s, and the collector's totals on the page and in /metrics", async () => {
    // 40 tasks of 150 ms per consumer: time to watch counts rise and to kill one with tasks queued.
    const env = { ...base, ...view, TASKS: "120", TASK_MODE: "sleep", TASK_SLEEP_MS: "150" };
    // The browser first: on a loaded machine its start takes seconds the batch would not wait for.
    const { lab, url } = await withBrowser(async (browser) => {
      const lab = await labs.start("pipeline", { with: ["view"], env, scale: { consumer: 3 } });
      const { port } = await lab.published("dashboard-1", 8080);
      const url = `http://127.0.0.1:${port}/`;
      const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
      await page.goto(url);
      await expect.poll(() => page.locator('.node[data-service="consumer"]').count(), { timeout: 10_000 }).toBe(3);
      const total = page.locator("#pipeline-total");
      const counted = async () => Number(await total.getAttribute("data-count"));
      await expect.poll(counted, { timeout: 15_000 }).toBeGreaterThan(0);
      const first = await counted();
      await expect.poll(counted, { timeout: 5_000 }).toBeGreaterThan(first);
      expect(first).toBeLessThan(100);

      // SIGKILL sends no last record: only the silence tells. Timed from the moment Docker saw the
      // process die to the moment the page showed it, whatever Docker's API takes to answer.
      const shown = page.locator('.node[data-replica="consumer-2"][data-state="gone"]').waitFor({ timeout: 8_000 }).then(() => Date.now());
      const { finishedAt } = await lab.kill("consumer-2");
      const goneMs = (await shown) - finishedAt.getTime();
      console.log(`view: consumer-2 shown gone ${goneMs} ms after it died`);
      expect(goneMs, `consumer-2 shown gone after ${goneMs} ms`).toBeLessThan(2000);
      await page.screenshot({ path: join(screenshots, "view-pipeline-killed.png") });

      // The tasks it held come back through the producer's re-dispatch, and the batch passes.
      await page.locator('#pipeline-verdict[data-verdict="PASS"]').waitFor({ timeout: 30_000 });
      await expect.poll(async () => Number(await page.locator("#pipeline-redispatched").textContent()), { timeout: 5_000 }).toBeGreaterThan(0);
      expect(await lab.waitForExit("collector-1")).toBe(0);
      const report = await collected(lab);
      expect(report.verdict).toBe("PASS");
      await page.locator('.node[data-replica="collector-1"][data-state="done"]').waitFor({ timeout: 5_000 });
      expect(await counted()).toBe(report.count);
      expect(Number(await total.getAttribute("data-sum"))).toBe(report.sum);
      for (const row of report.rows) {
        expect(await page.locator(`tr[data-consumer="${row.consumer}"] .count`).textContent()).toBe(String(row.count));
      }
      expect(await page.locator('.node[data-replica="consumer-2"]').getAttribute("data-state")).toBe("gone");
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, "view-pipeline.png"), fullPage: true });
      return { lab, url };
    });

    // /metrics against the collector's RESULT: its results socket counted every message it tallied or ignored.
    const metrics = await (await fetch(`${url}metrics`)).text();
    const report = await collected(lab);
    const collector = { pattern: "pipeline", service: "collector", replica: "collector-1" };
    expect(sample(metrics, "zmqlab_figure", { ...collector, name: "count" })).toBe(report.count);
    expect(sample(metrics, "zmqlab_figure", { ...collector, name: "sum" })).toBe(report.sum);
    const received = sample(metrics, "zmqlab_socket_messages_total", { ...collector, socket: "0", type: "Pull", direction: "in" });
    expect(received).toBe(report.count + report.rejected + report.duplicates);
    expect(sample(metrics, "zmqlab_role_state", { pattern: "pipeline", service: "consumer", replica: "consumer-2", state: "gone" })).toBe(1);
    expect(sample(metrics, "zmqlab_telemetry_records_total", {})).toBeGreaterThan(0);
  });

  it("under ZMQ_CURVE=on, shows a plaintext intruder's failed handshake in the event log", async () => {
    const keys = labKeys();
    try {
      const env = { ...reqrep, ...view, REQUESTS: "2", ZMQ_CURVE: "on", ZMQ_LAB_KEYS_DIR: keys.dir };
      const lab = await labs.start("reqrep", { with: ["view"], env, scale: { "req-client": 1 } });
      const { port } = await lab.published("dashboard-1", 8080);
      await withBrowser(async (browser) => {
        const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
        await page.goto(`http://127.0.0.1:${port}/`);
        await page.locator('.node[data-replica="rep-server-1"][data-state="ready"]').waitFor({ timeout: 10_000 });
        const run = await lab.run(["node", "dist/intruder/intruder.js"], { INTRUDER_TARGET: "tcp://rep-server:5555", INTRUDER_SOCKET: "req", INTRUDER_KEYS: "none", INTRUDER_WAIT_MS: "1500" });
        expect(run.exitCode).toBe(0);
        const failure = page.locator('#log li[data-replica="rep-server-1"][data-kind^="handshake failure"]').first();
        await failure.waitFor({ timeout: 5_000 });
        expect(await failure.textContent()).toMatch(/rep-server-1 handshake failure.* (Reply|Router) tcp:\/\//);
        await page.screenshot({ path: join(screenshots, "view-curve-intruder.png") });
      });
    } finally {
      keys[Symbol.dispose]();
    }
  });
});
