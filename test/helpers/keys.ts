import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { curveKeyPair, keyFiles, type KeyPair } from "../../services/runtime/keys.js";
import { clientServices, writeKeyFiles } from "../../services/tools/keys.js";

/**
 * The lab's keys in a throwaway folder, written as `npm run keys` writes them: one server keypair,
 * one client keypair per connecting service. `await using` removes the folder.
 */
export function labKeys(): { dir: string; server: KeyPair; clients: Record<string, KeyPair>; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "zmq-lab-keys-"));
  const server = curveKeyPair();
  const clients = Object.fromEntries(clientServices(fileURLToPath(new URL("../../compose", import.meta.url))).map((s) => [s, curveKeyPair()]));
  writeKeyFiles(dir, keyFiles(server, clients), true);
  return { dir, server, clients, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}
