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

      // One edge per consumer's connection to the producer's PUSH, each with the rate of the consumer's
      // PULL (its only connection); the producer's PUSH has three, so its side can't tell one's rate.
      const tasksTo = page.locator('#edges .edge[data-from="producer-1"][data-to^="consumer-"]');
      const rated = new Set<string>();
      const rates = async () => {
        const edges = await tasksTo.evaluateAll((all) => all.map((e) => [e.getAttribute("data-to")!, e.getAttribute("data-rate")!] as const));
        edges.filter(([, rate]) => Number(rate) > 0).forEach(([to]) => rated.add(to));
        return { edges: edges.map(([to]) => to).sort(), rated: [...rated].sort() };
      };
      const all = ["consumer-1", "consumer-2", "consumer-3"];
      await expect.poll(rates, { timeout: 5_000 }).toEqual({ edges: all, rated: all });

      // SIGKILL sends no last record: only the silence tells. Timed from the moment Docker saw the
      // process die to the moment the page showed it, whatever Docker's API takes to answer.
      const shown = page.locator('.node[data-replica="consumer-2"][data-state="gone"]').waitFor({ timeout: 8_000 }).then(() => Date.now());
      const { finishedAt } = await lab.kill("consumer-2");
      const goneMs = (await shown) - finishedAt.getTime();
      console.log(`view: consumer-2 shown gone ${goneMs} ms after it died`);
      expect(goneMs, `consumer-2 shown gone after ${goneMs} ms`).toBeLessThan(2000);
      // A gone replica keeps no edge.
      expect(await page.locator('#edges .edge[data-to="consumer-2"], #edges .edge[data-from="consumer-2"]').count()).toBe(0);
      expect(await tasksTo.count()).toBe(2);
      await page.screenshot({ path: join(screenshots, "view-pipeline-killed.png") });

      // The tasks it held come back through the producer's re-dispatch, and the batch passes.
      await page.locator('#pipeline-verdict[data-verdict="PASS"]').waitFor({ timeout: 30_000 });
      await expect.poll(async () => Number(await page.locator("#pipeline-redispatched").textContent()), { timeout: 5_000 }).toBeGreaterThan(0);
      await page.locator('#log li[data-replica="producer-1"][data-kind="re-dispatch"]').first().waitFor({ timeout: 5_000 });
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

  it("under ZMQ_CURVE=on, shows a plaintext intruder's failed handshake and an unlisted key's ZAP rejection, and the client's replies in the reqrep panel", async () => {
    const keys = labKeys();
    try {
      const env = { ...reqrep, ...view, REQUESTS: "4", ZMQ_CURVE: "on", ZMQ_LAB_KEYS_DIR: keys.dir };
      // The client comes once the page shows the server: a client done before its telemetry connects never shows.
      const lab = await labs.start("reqrep", { with: ["view"], env, scale: { "req-client": 0 } });
      const { port } = await lab.published("dashboard-1", 8080);
      await withBrowser(async (browser) => {
        const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
        await page.goto(`http://127.0.0.1:${port}/`);
        await page.locator('.node[data-replica="rep-server-1"][data-state="ready"]').waitFor({ timeout: 10_000 });
        // Plaintext against CURVE fails the handshake; a CURVE client whose key the lab never listed is refused by ZAP.
        const intrude = (how: "none" | "unlisted") =>
          lab.run(["node", "dist/intruder/intruder.js"], { INTRUDER_TARGET: "tcp://rep-server:5555", INTRUDER_SOCKET: "req", INTRUDER_KEYS: how, INTRUDER_WAIT_MS: "500", CURVE_SERVER_PUBLIC: keys.server.publicKey });
        const [plain, unlisted] = await Promise.all([intrude("none"), intrude("unlisted"), lab.scale("req-client", 1)]);
        expect([plain.exitCode, unlisted.exitCode]).toEqual([0, 0]);
        const failure = page.locator('#log li[data-replica="rep-server-1"][data-kind^="handshake failure"]').first();
        await failure.waitFor({ timeout: 5_000 });
        expect(await failure.textContent()).toMatch(/rep-server-1 handshake failure.* (Reply|Router) tcp:\/\//);
        const zap = page.locator('#log li[data-replica="rep-server-1"][data-kind="ZAP rejection"]').first();
        await zap.waitFor({ timeout: 5_000 });
        expect(await zap.textContent()).toContain("refused a peer's key");

        // The reqrep panel, once the client is done, against its RESULT.
        expect(await lab.waitForExit("req-client-1")).toBe(0);
        const result = (await lab.result("req-client-1")) as { replies: number; retries: number };
        await page.locator('.node[data-replica="req-client-1"][data-state="done"]').waitFor({ timeout: 5_000 });
        const client = page.locator('#reqrep tr[data-client="req-client-1"]');
        expect(await client.locator(".replies").textContent()).toBe(String(result.replies));
        expect(await client.locator(".retries").textContent()).toBe(String(result.retries));
        expect(result.replies).toBe(4);
        await expect.poll(() => page.locator('#reqrep tr[data-server="rep-server-1"][data-client="req-client-1"] .answered').textContent(), { timeout: 5_000 }).toBe("4");
        await page.screenshot({ path: join(screenshots, "view-curve-intruder.png"), fullPage: true });
      });
    } finally {
      keys[Symbol.dispose]();
    }
  });
});
