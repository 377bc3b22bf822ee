// scripts/setup-docker.sh's install path on machines it must not damage, each simulated in a
// throwaway Debian bookworm container (the base image), never on this host: fake apt sources and
// dpkg entries, and an apt-get that records what it was asked and then fails or succeeds.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/lab.js";

const image = process.env.NODE_IMAGE || "node:24-bookworm-slim";
const setup = readFileSync(join(repoRoot, "scripts/setup-docker.sh"), "utf8");

/** Docker's own apt source, as its install guide writes it: bookworm, but not Debian's. */
const dockerSource = `Types: deb
URIs: https://download.docker.com/linux/debian
Suites: bookworm
Components: stable
Signed-By: /etc/apt/keyrings/docker.asc
`;

/** A fake dpkg status entry: the package counts as installed for dpkg-query. */
const installed = (pkg: string) => `
Package: ${pkg}
Status: install ok installed
Priority: optional
Section: admin
Maintainer: Docker <support@docker.com>
Architecture: amd64
Version: 5:27.3.1-1~debian.12~bookworm
Description: fake entry for the setup test
`;

/**
 * Runs the setup as root in a fresh container after `prepare` (shell), with no docker and a fake
 * apt-get (`aptUpdate`: its exit code for `update`). Prints, after the setup's own output, what
 * apt-get was asked, the trixie source it saw, and the zmq-lab files left in /etc/apt.
 */
function setupIn(prepare: string, { aptUpdate = 0, commands = "" } = {}) {
  const script = `
set -u
mkdir -p /lab/scripts /fake
cat >/lab/scripts/setup-docker.sh <<'ZMQ_LAB_SETUP'
${setup}
ZMQ_LAB_SETUP
cat >/fake/apt-get <<'FAKE'
#!/bin/bash
echo "apt-get $*" >>/tmp/apt-calls
if [ "$1" = update ]; then cat /etc/apt/sources.list.d/zmq-lab-trixie.sources >/tmp/trixie-seen 2>/dev/null; exit ${aptUpdate}; fi
exit 0
FAKE
${commands}
chmod +x /fake/*
${prepare}
PATH=/fake:$PATH NODE_IMAGE=node:24-bookworm-slim bash /lab/scripts/setup-docker.sh 2>&1
echo "exit=$?"
echo "--- apt"; cat /tmp/apt-calls 2>/dev/null
echo "--- seen"; cat /tmp/trixie-seen 2>/dev/null
echo "--- left"; ls -A /etc/apt/sources.list.d /etc/apt/preferences.d | grep zmq-lab || true
`;
  const run = spawnSync("docker", ["run", "--rm", "-i", "--user", "root", "--label", `org.zmq-lab.tag=${process.env.ZMQ_LAB_TAG || "latest"}`, image, "bash", "-s"], {
    input: script,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const [output = "", apt = "", seen = "", left = ""] = run.stdout.split(/^--- (?:apt|seen|left)\n/m);
  return { output, code: /^exit=(\d+)$/m.exec(run.stdout)?.[1], apt: apt.trim(), seen, left: left.trim() };
}

describe("setup on a machine it must not damage", () => {
  it("with a third-party apt source: takes Debian's own mirror, and leaves no trixie source or pin when apt-get fails", () => {
    // Docker's source sorts first; a hand-set Debian mirror in the one-line sources.list.
    const run = setupIn(
      `printf '%s' '${dockerSource}' >/etc/apt/sources.list.d/aaa-docker.sources
       echo 'deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main' >/etc/apt/sources.list.d/nodesource.list
       echo 'deb http://ftp.de.debian.org/debian bookworm main' >/etc/apt/sources.list`,
      { aptUpdate: 100 },
    );
    expect(run.code).not.toBe("0");
    expect(run.seen).toContain("URIs: http://ftp.de.debian.org/debian\n");
    expect(run.output).toContain("Debian mirror: http://ftp.de.debian.org/debian");
    expect(run.output).toContain("removed /etc/apt/sources.list.d/zmq-lab-trixie.sources and /etc/apt/preferences.d/zmq-lab-trixie again");
    expect(run.apt).toBe("apt-get update -qq");
    // Nothing of the setup is left in /etc/apt, not even a temporary file.
    expect(run.left).toBe("");
  });

  it("reads Debian's deb822 sources as the official images write them, skipping the security archive", () => {
    const debian = ["http://mirror.example.org/debian-security bookworm-security", "http://mirror.example.org/debian bookworm bookworm-updates"]
      .map((line) => line.split(" "))
      .map(([uri, ...suites]) => `Types: deb\nURIs: ${uri}\nSuites: ${suites.join(" ")}\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`)
      .join("\n");
    const run = setupIn(
      `printf '%s' '${dockerSource}' >/etc/apt/sources.list.d/aaa-docker.sources
       printf '${debian}' >/etc/apt/sources.list.d/debian.sources; rm -f /etc/apt/sources.list`,
      { aptUpdate: 100 },
    );
    expect(run.seen).toContain("URIs: http://mirror.example.org/debian\n");
    expect(run.left).toBe("");
  });

  it("with only third-party sources: never theirs; it stops and asks for DEBIAN_MIRROR, which it then uses", () => {
    const thirdPartyOnly = `printf '%s' '${dockerSource}' >/etc/apt/sources.list.d/aaa-docker.sources; rm -f /etc/apt/sources.list`;
    const refused = setupIn(thirdPartyOnly, { aptUpdate: 100 });
    expect(refused.code).not.toBe("0");
    expect(refused.output).toContain("no Debian source in this host's apt sources (only third-party or security ones). Set DEBIAN_MIRROR");
    expect(refused.apt).toBe("");
    expect(refused.left).toBe("");
    const run = setupIn(`${thirdPartyOnly}; export DEBIAN_MIRROR=http://mirror.example.org/debian`, { aptUpdate: 100 });
    expect(run.seen).toContain("URIs: http://mirror.example.org/debian\n");
    expect(run.left).toBe("");
  });

  it("with docker-ce but no compose plugin: installs nothing and names Docker's plugins", () => {
    const run = setupIn(`printf '%s' '${installed("docker-ce")}' >>/var/lib/dpkg/status`, {
      // docker-ce's engine answers; compose and buildx are missing.
      commands: `printf '#!/bin/bash\\n[ "$1" = info ] && exit 0\\nexit 1\\n' >/fake/docker; printf '#!/bin/bash\\nexit 0\\n' >/fake/dockerd`,
    });
    expect(run.code).toBe("1");
    expect(run.output).toContain("Docker's own packages (docker-ce, containerd.io) are installed");
    expect(run.output).toContain("apt-get install docker-compose-plugin docker-buildx-plugin");
    expect(run.apt).toBe("");
    expect(run.left).toBe("");
  });
});
