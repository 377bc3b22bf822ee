// keys: writes the lab's CURVE keys into a git-ignored folder, which compose hands to the roles:
// one server keypair, one client keypair per connecting service, and with --replicas one per
// replica index too (see keyFiles). Every file is mode 600, the folders 700. Prints only public
// keys. `npm run keys [-- --force] [--replicas consumer=8,req-client=3]`.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { config as loadDotenv } from "dotenv";
import { curveKeyPair, keyFiles, type KeyFiles, type ServiceKeys } from "../runtime/keys.js";

/** The services that connect with a key of their own: those whose compose file reads `clients/<service>.env`. */
export function clientServices(composeDir: string): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(composeDir).filter((name) => name.endsWith(".yaml"))) {
    for (const [, name] of readFileSync(join(composeDir, file), "utf8").matchAll(/\/clients\/([A-Za-z0-9._-]{1,64})\.env\b/g)) names.add(name!);
  }
  return [...names].sort();
}

const MAX_REPLICAS = 256;

/**
 * Reads `--replicas <service>=<n>[,...]` (the flag may repeat): how many replica keypairs each
 * service gets. Throws naming the bad part.
 */
export function replicaCounts(argv: string[], services: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  argv.forEach((arg, i) => {
    if (arg !== "--replicas") return;
    for (const part of (argv[i + 1] ?? "").split(",")) {
      const [, service = "", n = ""] = /^([^=]*)=(\d+)$/.exec(part.trim()) ?? [];
      const count = Number(n);
      if (!services.includes(service) || !(count >= 1 && count <= MAX_REPLICAS)) {
        throw new Error(`--replicas: expected <service>=<1-${MAX_REPLICAS}>, comma-separated, with a service among ${services.join(", ")}; got "${part}"`);
      }
      counts.set(service, count);
    }
  });
  return counts;
}

/**
 * Writes `files` into `dir` unless some are there already (then only with `force`). Sets mode 600
 * on every file it writes, also one that existed with another mode, and 700 on the folders.
 * Returns the files written, or undefined when it kept what was there.
 */
export function writeKeyFiles(dir: string, files: KeyFiles, force: boolean): string[] | undefined {
  const names = Object.keys(files);
  if (!force && names.some((name) => existsSync(join(dir, name)))) return undefined;
  for (const name of names) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    chmodSync(dirname(path), 0o700);
    writeFileSync(path, files[name]!, { mode: 0o600 });
    // writeFileSync's mode applies only to a file it creates.
    chmodSync(path, 0o600);
  }
  return names;
}

function main(argv: string[]): void {
  // The same folder compose reads: ZMQ_LAB_KEYS_DIR from the environment or .env, relative to compose/.
  loadDotenv({ quiet: true });
  const absolute = resolve("compose", process.env.ZMQ_LAB_KEYS_DIR || "../.lab/curve");
  const inRepo = relative(".", absolute);
  // Shown relative when it is inside the repo, absolute otherwise.
  const dir = inRepo.startsWith("..") ? absolute : inRepo;
  const services = clientServices("compose");
  let replicas: Map<string, number>;
  try {
    replicas = replicaCounts(argv, services);
  } catch (err) {
    console.error(`keys: ${(err as Error).message}`);
    process.exit(2);
  }
  const keysOf = (service: string): ServiceKeys => ({
    service: curveKeyPair(),
    replicas: Array.from({ length: replicas.get(service) ?? 0 }, () => curveKeyPair()),
  });
  const files = keyFiles(curveKeyPair(), Object.fromEntries(services.map((service) => [service, keysOf(service)])));
  const written = writeKeyFiles(dir, files, argv.includes("--force"));
  if (!written) {
    const missing = Object.keys(files).filter((name) => !existsSync(join(dir, name)));
    const gap = missing.length > 0 ? `; it lacks ${missing.join(", ")}` : "";
    console.log(`keys: ${dir} has keys already${gap}; keeping them (npm run keys -- --force makes new ones for every service)`);
    return;
  }
  console.log(`keys: wrote ${written.length} files in ${dir} (mode 600): server.env, client.env, public.env and clients/<service>.env for ${services.join(", ")}`);
  for (const [service, n] of replicas) console.log(`keys: ${service} has a keypair per replica, ${service}-1 to ${service}-${n} (later replicas use ${service}'s)`);
  for (const entry of /CURVE_CLIENT_KEYS='(.*)'/.exec(files["server.env"]!)![1]!.split(",")) console.log(`keys: client ${entry}`);
  console.log(`keys: ${/CURVE_SERVER_PUBLIC='.*'/.exec(files["public.env"]!)![0]}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
