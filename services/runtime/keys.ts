// CURVE keys in Z85 (ZeroMQ RFC 32), the text form config holds; ZAP hands us binary keys.
// No zeromq here, so `npm run keys` needs nothing but Node.
import { generateKeyPairSync } from "node:crypto";
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

/** A CURVE keypair in Z85, from Node's own X25519 (the curve CURVE uses). */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("x25519");
  const raw = (key: typeof publicKey, field: "x" | "d") => Buffer.from(key.export({ format: "jwk" })[field] as string, "base64url");
  return { publicKey: z85Encode(raw(publicKey, "x")), secretKey: z85Encode(raw(privateKey, "d")) };
}

export type KeyPair = ReturnType<typeof curveKeyPair>;

/**
 * The keys files `npm run keys` writes, one per side, so that each role is handed only what its
 * sockets need: a role that binds gets the server secret and the allow-list, a role that connects
 * gets the client keypair and the server's public key, and `public.env` holds public keys only.
 * Single quotes: Z85 has '$' and '#', which compose would otherwise interpolate or cut.
 */
export function keyFiles(server: KeyPair, client: KeyPair): Record<"server.env" | "client.env" | "public.env", string> {
  const file = (what: string, vars: Record<string, string>) =>
    [`# ${what}, made by \`npm run keys\`.`, ...Object.entries(vars).map(([name, value]) => `${name}='${value}'`)].join("\n") + "\n";
  const secret = "Secret: never commit, share or log this file";
  return {
    "server.env": file(`CURVE keys for zmq-lab's binding roles. ${secret}`, {
      CURVE_SERVER_SECRET: server.secretKey,
      CURVE_ALLOWED_CLIENTS: client.publicKey,
    }),
    "client.env": file(`CURVE keys for zmq-lab's connecting roles. ${secret}`, {
      CURVE_SERVER_PUBLIC: server.publicKey,
      CURVE_CLIENT_PUBLIC: client.publicKey,
      CURVE_CLIENT_SECRET: client.secretKey,
    }),
    "public.env": file("zmq-lab's public CURVE keys: safe to share", {
      CURVE_SERVER_PUBLIC: server.publicKey,
      CURVE_CLIENT_PUBLIC: client.publicKey,
    }),
  };
}
