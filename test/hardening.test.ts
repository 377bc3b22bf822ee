import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { noEnvFile, repoRoot } from "./helpers/repo.js";

// Every container the lab runs is bounded and stripped (issue 19, docs/secure.md#container-limits),
// read from what compose itself resolves for each profile, so a new service that forgets the
// roles' base fails here. Servers without a verdict come back after a crash; roles whose exit code
// is their verdict never restart (docs/secure.md#restart-policies).
const PROFILES = ["pair", "reqrep", "pubsub", "pipeline", "broker", "reqrep-queue", "pubsub-forwarder", "pipeline-streamer", "view", "intruder", "bench", "tutorial"];
/** Build-only services: compose builds their image, and nothing runs them as a lab container. */
const BUILD_ONLY = new Set(["role-image", "chaos"]);
const RESTARTED = ["forwarder", "lb-broker", "pair-server", "queue", "rep-server", "streamer", "weather-pub-1", "weather-pub-2"];

interface Service {
  mem_limit?: string;
  memswap_limit?: string;
  pids_limit?: number;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  logging?: { driver: string; options?: Record<string, string> };
  restart?: string;
}

async function services(profile: string): Promise<Record<string, Service>> {
  const { stdout } = await promisify(execFile)("docker", ["compose", "--env-file", noEnvFile, "--profile", profile, "config", "--format", "json"], { cwd: repoRoot });
  return (JSON.parse(stdout) as { services: Record<string, Service> }).services;
}

describe("container hardening in every profile", () => {
  it("limits memory and pids, runs read-only without capabilities, rotates logs, and restarts only servers", async () => {
    const all = new Map<string, Service>();
    for (const profile of PROFILES) for (const [name, service] of Object.entries(await services(profile))) all.set(name, service);
    const running = [...all].filter(([name]) => !BUILD_ONLY.has(name));
    expect(running.length).toBeGreaterThan(30);
    for (const [name, s] of running) {
      expect(Number(s.mem_limit), name).toBeGreaterThan(0);
      expect(Number(s.mem_limit), name).toBeLessThanOrEqual(2 * 1024 ** 3);
      // No swap beyond the limit: the memory limit is what ends an endless message.
      expect(s.memswap_limit, name).toBe(s.mem_limit);
      expect(s.pids_limit, name).toBe(64);
      expect(s.read_only, name).toBe(true);
      expect(s.cap_drop, name).toEqual(["ALL"]);
      expect(s.security_opt, name).toContain("no-new-privileges:true");
      expect(s.logging, name).toMatchObject({ driver: "json-file", options: { "max-size": "10m", "max-file": "3" } });
    }
    const restarted = running.filter(([, s]) => s.restart !== undefined && s.restart !== "no");
    expect(restarted.map(([name, s]) => `${name}: ${s.restart}`).sort()).toEqual(RESTARTED.map((name) => `${name}: on-failure`));
  });
});
