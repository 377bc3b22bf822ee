// keys: writes a server keypair and a client keypair for CURVE into a git-ignored env file,
// which compose hands to every role. Prints only public keys. `npm run keys [-- --force]`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { config as loadDotenv } from "dotenv";
import { curveKeyPair } from "../runtime/keys.js";

// The same file compose reads: ZMQ_LAB_KEYS from the environment or .env, relative to compose/.
loadDotenv({ quiet: true });
const file = relative(".", resolve("compose", process.env.ZMQ_LAB_KEYS || "../.lab/curve.env"));
if (existsSync(file) && !process.argv.includes("--force")) {
  console.log(`keys: ${file} exists; keeping it (npm run keys -- --force makes new ones)`);
  process.exit(0);
}
const server = curveKeyPair();
const client = curveKeyPair();
// Single quotes: Z85 has '$' and '#', which compose would otherwise interpolate or cut.
const lines = [
  "# CURVE keys for zmq-lab, made by `npm run keys`. Secret: never commit, share or log this file.",
  `CURVE_SERVER_PUBLIC='${server.publicKey}'`,
  `CURVE_SERVER_SECRET='${server.secretKey}'`,
  `CURVE_CLIENT_PUBLIC='${client.publicKey}'`,
  `CURVE_CLIENT_SECRET='${client.secretKey}'`,
  `CURVE_ALLOWED_CLIENTS='${client.publicKey}'`,
];
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
console.log(`keys: wrote ${file} (mode 600)`);
console.log(`keys: server public key ${server.publicKey}`);
console.log(`keys: client public key ${client.publicKey} (allow-listed)`);
