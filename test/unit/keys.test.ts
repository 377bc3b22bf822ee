// npm run keys: one keypair per connecting service, every file it writes mode 600.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { curveKeyPair, keyFiles } from "../../services/runtime/keys.js";
import { clientServices, replicaCounts, writeKeyFiles } from "../../services/tools/keys.js";

const compose = fileURLToPath(new URL("../../compose", import.meta.url));
const mode = (path: string) => statSync(path).mode & 0o777;
let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe("npm run keys", () => {
  it("makes a keypair for every service compose hands one to, and none for the binding-only ones", () => {
    const services = clientServices(compose);
    for (const service of ["pair-client", "req-client", "weather-sub", "producer", "consumer", "broker-client", "broker-worker"]) expect(services).toContain(service);
    for (const service of ["pair-server", "rep-server", "collector", "lb-broker", "intruder"]) expect(services).not.toContain(service);
  });

  it("reads --replicas as <service>=<n>, comma-separated or repeated, for connecting services only", () => {
    const services = ["consumer", "req-client"];
    expect(replicaCounts(["--force", "--replicas", "consumer=8,req-client=3"], services)).toEqual(new Map([["consumer", 8], ["req-client", 3]]));
    expect(replicaCounts(["--replicas", "consumer=2", "--replicas", "req-client=1"], services)).toEqual(new Map([["consumer", 2], ["req-client", 1]]));
    expect(replicaCounts([], services)).toEqual(new Map());
    for (const bad of ["collector=2", "consumer=0", "consumer", "consumer=300"]) {
      expect(() => replicaCounts(["--replicas", bad], services)).toThrow(`got "${bad}"`);
    }
  });

  it("writes every file mode 600, also over an existing world-readable one with --force, and keeps files without it", () => {
    dir = mkdtempSync(join(tmpdir(), "zmq-lab-keys-"));
    const first = keyFiles(curveKeyPair(), { consumer: curveKeyPair() });
    expect(writeKeyFiles(dir, first, false)).toHaveLength(4);
    // A file left readable by everyone, as an older version or a hand copy may have left it.
    writeFileSync(join(dir, "server.env"), "old\n", { mode: 0o644 });
    chmodSync(join(dir, "server.env"), 0o644);
    chmodSync(join(dir, "clients"), 0o755);
    expect(writeKeyFiles(dir, keyFiles(curveKeyPair(), { consumer: curveKeyPair() }), false)).toBeUndefined();
    expect(readFileSync(join(dir, "server.env"), "utf8")).toBe("old\n");

    const second = keyFiles(curveKeyPair(), { consumer: curveKeyPair() });
    expect(writeKeyFiles(dir, second, true)).toEqual(Object.keys(second));
    for (const name of Object.keys(second)) {
      expect(mode(join(dir, name)), name).toBe(0o600);
      expect(readFileSync(join(dir, name), "utf8")).toBe(second[name]);
    }
    expect(mode(join(dir, "clients"))).toBe(0o700);
  });
});
