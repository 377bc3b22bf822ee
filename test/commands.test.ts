// The lab's own commands, run as a user types them: the role image built once, `npm run lab`
// ending with its verdict role's exit code, `npm run tour` and its table, `npm run clean`.
import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { describe, it, type ExpectStatic, type TestContext } from "vitest";
import { repoRoot, roleImage } from "./helpers/lab.js";

const exec = promisify(execFile);
const docker = async (...args: string[]) => (await exec("docker", args)).stdout.trim();
const lines = (text: string) => text.split("\n").filter((line) => line.length > 0);

/** Quick settings for every pattern, so a tour takes seconds; set last, so a .env can't change them. */
const quick = {
  ZMQ_CURVE: "off",
  PAIR_MESSAGES: "3",
  PAIR_INTERVAL_MS: "100",
  PAIR_TIMEOUT_MS: "5000",
  REQUESTS: "3",
  REP_WORK_MS: "20",
  REQ_TIMEOUT_MS: "5000",
  UPDATES: "5",
  ZIP_FILTER: "10001",
  TASKS: "20",
  TASK_MODE: "sleep",
  TASK_SLEEP_MS: "5",
};

/**
 * Runs `bash <args>` in the repo with `env` on top of the test's environment; its exit code and
 * output. `started` gets the process, in a process group of its own, as a terminal's job is.
 */
function bash(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
  started?: (pid: number) => void,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", args, { cwd: repoRoot, env: { ...process.env, COMPOSE_PROJECT_NAME: "", ...env }, detached: !!started });
    if (started) started(child.pid!);
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`bash ${args.join(" ")}: still running after ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

/** Polls `check` until it holds: a readiness signal, never a fixed sleep. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The tour's table rows, as [pattern, containers, messages, verdict]; seconds left out. */
function tableOf(output: string, expect: ExpectStatic): string[][] {
  const all = lines(output);
  const at = all.findIndex((line) => /^pattern +containers +messages +verdict +seconds$/.test(line));
  expect(at, `no tour table in:\n${output}`).toBeGreaterThanOrEqual(0);
  return all.slice(at + 2).map((row) => row.split(/ {2,}/).slice(0, 4));
}

/** A compose project for the test, removed when that test ends, pass or fail (tests here run side by side). */
const project = (what: string, { onTestFinished }: TestContext) => {
  const name = `zmq-lab-test-${what}-${randomUUID().slice(0, 8)}`;
  onTestFinished(async () => {
    await exec("docker", ["compose", "-p", name, "--profile", "*", "down", "-t", "1"], { cwd: repoRoot }).catch(() => undefined);
  });
  return name;
};
const containersOf = async (name: string) => lines(await docker("ps", "-aq", "--filter", `label=com.docker.compose.project=${name}`));

// Two lanes side by side, each in its own compose projects: the tour (eight patterns, one after
// another, about half the file's time) and every other command, one test after another.
describe.concurrent("npm run tour", () => {
  it("tour: runs every pattern to its end, removes it, and prints one table with exact counts", async (ctx) => {
    const { expect } = ctx;
    const name = project("tour", ctx);
    const { code, output } = await bash(["scripts/tour.sh", "-p", name], quick);
    expect(code, output).toBe(0);
    expect(tableOf(output, expect)).toEqual([
      ["pair", "2", "3", "PASS"],
      ["reqrep", "2", "3", "PASS"],
      ["pubsub", "3", "5", "PASS"],
      ["pipeline", "3", "20", "PASS"],
      ["broker", "3", "3", "PASS"],
      ["reqrep-queue", "3", "3", "PASS"],
      ["pubsub-forwarder", "3", "5", "PASS"],
      ["pipeline-streamer", "4", "20", "PASS"],
    ]);
    expect(await containersOf(name)).toEqual([]);
  });
});

describe.concurrent("the role image, npm run lab and npm run clean, beside the tour", () => {
  it.sequential("the role image is built by one service only: a build with nothing changed makes no new image and leaves none dangling", async ({ expect }) => {
    const label = `label=org.zmq-lab.tag=${roleImage.split(":")[1]}`;
    const before = { id: await docker("image", "inspect", "-f", "{{.Id}}", roleImage), dangling: await docker("images", "-q", "--filter", "dangling=true", "--filter", label) };
    // What `docker compose --profile '*' build` did before: every role built it, 17 dangling images per run.
    const build = await bash(["-c", "source scripts/lib.sh && prepare_lab && docker compose --project-name zmq-lab --profile '*' build --quiet"]);
    expect(build.code, build.output).toBe(0);
    expect(await docker("image", "inspect", "-f", "{{.Id}}", roleImage)).toBe(before.id);
    expect(await docker("images", "-q", "--filter", "dangling=true", "--filter", label)).toBe(before.dangling);
  });

  it.sequential("tour: a failing pattern gives a FAIL row with its role's exit code, and a non-zero exit", async (ctx) => {
    const { expect } = ctx;
    const { code, output } = await bash(["scripts/tour.sh", "-p", project("tour-fail", ctx), "pubsub"], { ...quick, ZIP_FILTER: "1000" });
    expect(code, output).toBe(1);
    expect(tableOf(output, expect)).toEqual([["pubsub", "3", "0", "FAIL (exit 2)"]]);
  });

  it.sequential("lab: ends by itself with the verdict role's exit code, under the project named by COMPOSE_PROJECT_NAME", async (ctx) => {
    const { expect } = ctx;
    // The subscriber stops at once (bad ZIP_FILTER, exit 2); the publishers would run forever.
    const name = project("lab", ctx);
    const { code, output } = await bash(["scripts/lab.sh", "pubsub"], { ...quick, ZIP_FILTER: "1000", COMPOSE_PROJECT_NAME: name });
    expect(code, output).toBe(2);
    expect(output).toContain(`[lab] pubsub as compose project "${name}": containers are named ${name}-<service>-<n>`);
    expect(output).toContain(`[lab] exit codes: ${name}-weather-sub-1 2`);
    const states = lines(await docker("inspect", "-f", "{{.Name}} {{.State.Status}} {{.State.ExitCode}}", ...(await containersOf(name))));
    expect(states.sort()).toEqual([`/${name}-weather-pub-1-1 exited 0`, `/${name}-weather-pub-2-1 exited 0`, `/${name}-weather-sub-1 exited 2`]);
  });

  it.sequential("lab --keep: the server outlives its client and serves the next one, until the project is stopped", async (ctx) => {
    const { expect } = ctx;
    const name = project("keep", ctx);
    const env = { ...quick, PAIR_MESSAGES: "2" };
    const lab = bash(["scripts/lab.sh", "pair", "--keep", "--project-name", name], env);
    const client = `${name}-pair-client-1`;
    await until(`${client} exited`, async () => (await docker("inspect", "-f", "{{.State.Status}}", client).catch(() => "")) === "exited");
    expect(await docker("inspect", "-f", "{{.State.ExitCode}}", client)).toBe("0");
    // A second client, started after the first is done, is served: the server is still up.
    const next = await bash(["-c", `docker compose -p ${name} --profile pair run --rm --no-deps -e PAIR_MESSAGES=1 pair-client`], env, 60_000);
    expect(next.code, next.output).toBe(0);
    expect(next.output).toMatch(/done: 1 exchanges/);
    await exec("docker", ["compose", "-p", name, "--profile", "pair", "stop"], { cwd: repoRoot });
    const { code, output } = await lab;
    expect(code, output).toBe(0);
  });

  it.sequential("lab: Ctrl+C stops every role with SIGTERM, once, and returns the verdict role's code", async (ctx) => {
    const { expect } = ctx;
    const name = project("ctrl-c", ctx);
    let group = 0;
    const lab = bash(["scripts/lab.sh", "pair", "-p", name], { ...quick, PAIR_MESSAGES: "1000" }, 120_000, (pid) => (group = pid));
    const client = `${name}-pair-client-1`;
    await until(`${client} logged its second exchange`, async () => /received 2\/1000/.test(await docker("logs", client).catch(() => "")));
    // A terminal's Ctrl+C: SIGINT to the whole foreground process group.
    process.kill(-group, "SIGINT");
    const { code, output } = await lab;
    expect(output).toContain("[lab] stopping the roles");
    const states = lines(await docker("inspect", "-f", "{{.Name}} {{.State.ExitCode}} {{.State.OOMKilled}}", ...(await containersOf(name))));
    // SIGTERM, not a kill: no 137; the server stops cleanly with 0.
    expect(states.filter((state) => / 137 /.test(state))).toEqual([]);
    expect(states).toContain(`/${name}-pair-server-1 0 false`);
    expect(String(code)).toBe(states.find((state) => state.startsWith(`/${client} `))!.split(" ")[1]);
  });

  it.sequential("clean removes one tag's containers, networks and images, dangling ones included, and nothing of another tag", async (ctx) => {
    const { expect } = ctx;
    const tag = `${roleImage.split(":")[1]}-clean-${randomUUID().slice(0, 8)}`;
    const env = { ZMQ_LAB_TAG: tag };
    const name = project("clean", ctx);
    // Two builds of the tag under different project names: the first is left dangling.
    const built = await bash(["-c", `source scripts/lib.sh && prepare_lab && docker compose -p ${name}-build build --quiet role-image && bash scripts/image.sh`], env);
    expect(built.code, built.output).toBe(0);
    const up = await bash(["-c", `docker compose -p ${name} --profile pair up -d --no-build pair-server`], env);
    expect(up.code, up.output).toBe(0);
    const dangling = lines(await docker("images", "-q", "--filter", "dangling=true", "--filter", `label=org.zmq-lab.tag=${tag}`));
    expect(dangling).toHaveLength(1);

    const dry = await bash(["scripts/clean.sh", "--all", "--dry-run"], env);
    expect(dry.code, dry.output).toBe(0);
    const standIn = await docker("images", "-q", "zmq-lab/node:24-bookworm-slim-local");
    if (standIn) expect(dry.output).toContain("would remove image zmq-lab/node:24-bookworm-slim-local");
    expect(await containersOf(name)).toHaveLength(1);

    const clean = await bash(["scripts/clean.sh"], env);
    expect(clean.code, clean.output).toBe(0);
    expect(lines(clean.output).filter((line) => line.startsWith("removed ")).sort()).toEqual([
      `removed container ${name}-pair-server-1`,
      `removed image ${dangling[0]} (a dangling build of ZMQ_LAB_TAG=${tag})`,
      `removed image zmq-lab/roles:${tag}`,
      `removed network ${name}_default`,
    ]);
    expect(await containersOf(name)).toEqual([]);
    expect(await docker("images", "-aq", "--filter", `label=org.zmq-lab.tag=${tag}`)).toBe("");
    expect(await docker("network", "ls", "-q", "--filter", `label=org.zmq-lab.tag=${tag}`)).toBe("");
    // The tests' own tag and the stand-in are another checkout's, as far as this tag is concerned.
    await docker("image", "inspect", roleImage);
    expect(await docker("images", "-q", "zmq-lab/node:24-bookworm-slim-local")).toBe(standIn);
  });
});
