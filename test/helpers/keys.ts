import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { curveKeyPair, keyFiles, type KeyPair } from "../../services/runtime/keys.js";
import { clientServices, writeKeyFiles } from "../../services/tools/keys.js";

/**
 * The lab's keys in a throwaway folder, written as `npm run keys [-- --replicas ...]` writes them:
 * one server keypair, one client keypair per connecting service, and `replicas[service]` more for
 * its replicas 1, 2, ... `using` removes the folder.
 */
export function labKeys(replicas: Record<string, number> = {}): {
  dir: string;
  server: KeyPair;
  clients: Record<string, KeyPair>;
  [Symbol.dispose](): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "zmq-lab-keys-"));
  const server = curveKeyPair();
  const services = clientServices(fileURLToPath(new URL("../../compose", import.meta.url)));
  const keys = Object.fromEntries(services.map((s) => [s, { service: curveKeyPair(), replicas: Array.from({ length: replicas[s] ?? 0 }, () => curveKeyPair()) }]));
  writeKeyFiles(dir, keyFiles(server, keys), true);
  const clients = Object.fromEntries(Object.entries(keys).map(([s, k]) => [s, k.service]));
  return { dir, server, clients, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}
