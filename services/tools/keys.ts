// keys: writes a server keypair and a client keypair for CURVE into a git-ignored folder, one file
// per side (see keyFiles), which compose hands to the roles. Prints only public keys.
// `npm run keys [-- --force]`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { config as loadDotenv } from "dotenv";
import { curveKeyPair, keyFiles } from "../runtime/keys.js";

// The same folder compose reads: ZMQ_LAB_KEYS_DIR from the environment or .env, relative to compose/.
loadDotenv({ quiet: true });
const absolute = resolve("compose", process.env.ZMQ_LAB_KEYS_DIR || "../.lab/curve");
const inRepo = relative(".", absolute);
// Shown relative when it is inside the repo, absolute otherwise.
const dir = inRepo.startsWith("..") ? absolute : inRepo;
const files = keyFiles(curveKeyPair(), curveKeyPair());
const present = Object.keys(files).filter((name) => existsSync(join(dir, name)));
if (present.length > 0 && !process.argv.includes("--force")) {
  console.log(`keys: ${dir} has ${present.join(", ")}; keeping them (npm run keys -- --force makes new ones)`);
  process.exit(0);
}
mkdirSync(dir, { recursive: true, mode: 0o700 });
for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 });
console.log(`keys: wrote ${Object.keys(files).join(", ")} in ${dir} (mode 600)`);
for (const line of files["public.env"].split("\n").filter((l) => l.startsWith("CURVE_"))) console.log(`keys: ${line}`);
