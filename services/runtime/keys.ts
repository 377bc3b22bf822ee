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

/** One connecting service's keys: its own, and one per replica index (1, 2, ...) when asked for. */
export interface ServiceKeys {
  service: KeyPair;
  replicas?: KeyPair[];
}

/**
 * The keys files, so that each role is handed only what its sockets need: a role that binds gets
 * `server.env` (the server secret and every client's public key, named by its owner: a service,
 * or a replica such as `consumer-3`); a role that connects gets `client.env` (the server's public
 * key) and `clients/<its service>.env` (its service's keypair, and one per replica index if any);
 * `public.env` holds the server's public key only, for the intruder.
 * Single quotes: Z85 has '$' and '#', which compose would otherwise interpolate or cut.
 */
export function keyFiles(server: KeyPair, clients: Record<string, KeyPair | ServiceKeys>): KeyFiles {
  const file = (what: string, vars: Record<string, string>) =>
    [`# ${what}, made by \`npm run keys\`.`, ...Object.entries(vars).map(([name, value]) => `${name}='${value}'`)].join("\n") + "\n";
  const secret = "Secret: never commit, share or log this file";
  const services = Object.entries(clients).map(([name, keys]) => ({ name, ...("service" in keys ? keys : { service: keys }) }));
  const owners = services.flatMap(({ name, service, replicas = [] }) => [
    `${name}:${service.publicKey}`,
    ...replicas.map((pair, i) => `${name}-${i + 1}:${pair.publicKey}`),
  ]);
  const files: KeyFiles = {
    "server.env": file(`CURVE keys for zmq-lab's binding roles. ${secret}`, {
      CURVE_SERVER_SECRET: server.secretKey,
      CURVE_CLIENT_KEYS: owners.join(","),
    }),
    "client.env": file("The servers' public CURVE key for zmq-lab's connecting roles", { CURVE_SERVER_PUBLIC: server.publicKey }),
    "public.env": file("zmq-lab's public CURVE keys: safe to share", { CURVE_SERVER_PUBLIC: server.publicKey }),
  };
  for (const { name, service, replicas = [] } of services) {
    const vars: Record<string, string> = { CURVE_CLIENT_PUBLIC: service.publicKey, CURVE_CLIENT_SECRET: service.secretKey };
    if (replicas.length > 0) vars.CURVE_CLIENT_SERVICE = name;
    replicas.forEach((pair, i) => Object.assign(vars, { [`CURVE_CLIENT_PUBLIC_${i + 1}`]: pair.publicKey, [`CURVE_CLIENT_SECRET_${i + 1}`]: pair.secretKey }));
    const what = replicas.length > 0 ? `CURVE keypairs of zmq-lab's ${name} service and its replicas 1-${replicas.length}` : `CURVE keypair of zmq-lab's ${name} service`;
    files[`clients/${name}.env`] = file(`${what}. ${secret}`, vars);
  }
  return files;
}
