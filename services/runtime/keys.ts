// CURVE keys in Z85 (ZeroMQ RFC 32), the text form config holds. zeromq makes the keypairs; ZAP
// hands a client's public key over as 32 bytes, which z85Encode turns back into text.
import { curveKeyPair } from "zeromq";
import { ID_FORM } from "./config.js";

export { curveKeyPair };
export type KeyPair = ReturnType<typeof curveKeyPair>;

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
export const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Encodes bytes (a multiple of 4 long) as Z85: each 4 bytes, big-endian, become 5 characters. */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new RangeError(`z85Encode: length ${data.length} is not a multiple of 4`);
  let out = "";
  for (let i = 0; i < data.length; i += 4) {
    let value = new DataView(data.buffer, data.byteOffset + i, 4).getUint32(0);
    let chunk = "";
    for (let j = 0; j < 5; j++) {
      chunk = ALPHABET[value % 85] + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}

/**
 * One client key in `CURVE_CLIENT_KEYS`: `<owner>:<public key>`, the owner a compose service
 * (`consumer`). The owner follows the role-id rule, which has no `:`, so the first `:` splits it
 * from the key even though Z85 has `:` too.
 */
export function parseClientKey(entry: string): { owner: string; key: string } | undefined {
  const colon = entry.indexOf(":");
  const owner = entry.slice(0, colon);
  const key = entry.slice(colon + 1);
  return colon > 0 && ID_FORM.test(owner) && Z85_KEY.test(key) ? { owner, key } : undefined;
}

/** The files `npm run keys` writes, by path inside the keys folder. */
export type KeyFiles = Record<string, string>;

/**
 * The keys files, so that each role is handed only what its sockets need: a role that binds gets
 * `server.env` (the server secret and every client's public key, named by its owner); a role that
 * connects gets `client.env` (the server's public key) and `clients/<its service>.env` (its own
 * keypair); `public.env` holds the server's public key only, for the intruder.
 * Single quotes: Z85 has '$' and '#', which compose would otherwise interpolate or cut.
 */
export function keyFiles(server: KeyPair, clients: Record<string, KeyPair>): KeyFiles {
  const file = (what: string, vars: Record<string, string>) =>
    [`# ${what}, made by \`npm run keys\`.`, ...Object.entries(vars).map(([name, value]) => `${name}='${value}'`)].join("\n") + "\n";
  const secret = "Secret: never commit, share or log this file";
  const files: KeyFiles = {
    "server.env": file(`CURVE keys for zmq-lab's binding roles. ${secret}`, {
      CURVE_SERVER_SECRET: server.secretKey,
      CURVE_CLIENT_KEYS: Object.entries(clients).map(([owner, pair]) => `${owner}:${pair.publicKey}`).join(","),
    }),
    "client.env": file("The servers' public CURVE key for zmq-lab's connecting roles", { CURVE_SERVER_PUBLIC: server.publicKey }),
    "public.env": file("zmq-lab's public CURVE keys: safe to share", { CURVE_SERVER_PUBLIC: server.publicKey }),
  };
  for (const [owner, pair] of Object.entries(clients)) {
    files[`clients/${owner}.env`] = file(`CURVE keypair of zmq-lab's ${owner} service. ${secret}`, {
      CURVE_CLIENT_PUBLIC: pair.publicKey,
      CURVE_CLIENT_SECRET: pair.secretKey,
    });
  }
  return files;
}
