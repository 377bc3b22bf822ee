import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../services/runtime/config.js";
import { curveKeyPair, keyFiles, parseClientKey, z85Encode } from "../../services/runtime/keys.js";
import { Guard, loadSecurity, type Security } from "../../services/runtime/security.js";
import { memoryLog } from "../helpers/memory-log.js";

describe("z85Encode", () => {
  it("matches the RFC 32 test vector", () => {
    expect(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe("HelloWorld");
  });
  it("rejects lengths that are not a multiple of 4", () => {
    expect(() => z85Encode(new Uint8Array(3))).toThrow(/multiple of 4/);
  });
});

describe("keyFiles", () => {
  it("gives each side only its own keys, each client service its own keypair, and public.env no secret at all", () => {
    const server = curveKeyPair();
    const clients = { producer: curveKeyPair(), consumer: curveKeyPair() };
    const files = keyFiles(server, clients);
    const vars = (text: string | undefined) => Object.fromEntries([...text!.matchAll(/^(CURVE_\w+)='(.*)'$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(files).sort()).toEqual(["client.env", "clients/consumer.env", "clients/producer.env", "public.env", "server.env"]);
    expect(vars(files["server.env"])).toEqual({
      CURVE_SERVER_SECRET: server.secretKey,
      CURVE_CLIENT_KEYS: `producer:${clients.producer.publicKey},consumer:${clients.consumer.publicKey}`,
    });
    expect(vars(files["client.env"])).toEqual({ CURVE_SERVER_PUBLIC: server.publicKey });
    expect(vars(files["clients/producer.env"])).toEqual({ CURVE_CLIENT_PUBLIC: clients.producer.publicKey, CURVE_CLIENT_SECRET: clients.producer.secretKey });
    expect(vars(files["public.env"])).toEqual({ CURVE_SERVER_PUBLIC: server.publicKey });
    // Each file is what loadSecurity reads for its side; the server knows every key by its owner.
    expect(loadSecurity({ ZMQ_CURVE: "on", ...vars(files["server.env"]) }, { server: true, client: false })).toMatchObject({
      server: { secret: server.secretKey, owners: new Map([[clients.producer.publicKey, "producer"], [clients.consumer.publicKey, "consumer"]]), allowed: new Set() },
    });
    const consumer = { ZMQ_CURVE: "on", ...vars(files["client.env"]), ...vars(files["clients/consumer.env"]) };
    expect(loadSecurity(consumer, { server: false, client: true })).toMatchObject({ client: { secret: clients.consumer.secretKey } });
  });
});

const keysEnv = () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  return {
    ZMQ_CURVE: "on",
    CURVE_SERVER_PUBLIC: server.publicKey,
    CURVE_SERVER_SECRET: server.secretKey,
    CURVE_CLIENT_PUBLIC: client.publicKey,
    CURVE_CLIENT_SECRET: client.secretKey,
    CURVE_CLIENT_KEYS: `client:${client.publicKey}`,
  };
};

describe("loadSecurity", () => {
  it("is off unless ZMQ_CURVE=on", () => {
    expect(loadSecurity({})).toEqual({ mode: "off" });
    expect(loadSecurity({ ZMQ_CURVE: "off", CURVE_SERVER_SECRET: "junk" })).toEqual({ mode: "off" });
  });

  it("reads the keys when on", () => {
    const env = keysEnv();
    expect(loadSecurity(env)).toEqual({
      mode: "curve",
      server: { secret: env.CURVE_SERVER_SECRET, owners: new Map([[env.CURVE_CLIENT_PUBLIC, "client"]]), allowed: new Set() },
      client: { serverPublic: env.CURVE_SERVER_PUBLIC, public: env.CURVE_CLIENT_PUBLIC, secret: env.CURVE_CLIENT_SECRET },
    });
  });

  it("asks a role only for the keys of the sides it has", () => {
    const { CURVE_SERVER_PUBLIC, CURVE_CLIENT_PUBLIC, CURVE_CLIENT_SECRET, ...serverOnly } = keysEnv();
    const { CURVE_SERVER_SECRET, CURVE_CLIENT_KEYS, ...clientOnly } = keysEnv();
    expect(loadSecurity(serverOnly, { server: true, client: false })).toMatchObject({ server: { secret: serverOnly.CURVE_SERVER_SECRET }, client: undefined });
    expect(loadSecurity(clientOnly, { server: false, client: true })).toMatchObject({ server: undefined, client: { secret: clientOnly.CURVE_CLIENT_SECRET } });
    expect(loadSecurity({ ZMQ_CURVE: "on" }, { server: false, client: false })).toEqual({ mode: "curve", server: undefined, client: undefined });
    // A server handed only client keys still names what it lacks.
    expect(() => loadSecurity(clientOnly, { server: true, client: false })).toThrow(/CURVE_SERVER_SECRET: missing.*CURVE_CLIENT_KEYS: missing/);
  });

  it("names every missing or malformed key at once", () => {
    const { CURVE_SERVER_SECRET: _, ...env } = keysEnv();
    try {
      loadSecurity({ ...env, CURVE_CLIENT_PUBLIC: "short" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        "CURVE_SERVER_SECRET: missing, expected the servers' Z85 secret key (npm run keys)",
        'CURVE_CLIENT_PUBLIC: expected a 40-character Z85 CURVE key, got "short"',
      ]);
    }
  });

  it("never echoes a malformed secret key, only its length", () => {
    const secret = `${keysEnv().CURVE_SERVER_SECRET} `;
    try {
      loadSecurity({ ...keysEnv(), CURVE_SERVER_SECRET: secret });
      expect.unreachable();
    } catch (err) {
      const { problems } = err as ConfigError;
      expect(problems).toEqual(["CURVE_SERVER_SECRET: expected a 40-character Z85 CURVE key, got 41 characters (value not shown)"]);
      expect(problems.join("\n")).not.toContain(secret.trim());
    }
  });

  it("reads each client key's owner, and the services a role admits", () => {
    const { publicKey } = curveKeyPair();
    expect(parseClientKey(`weather-sub:${publicKey}`)).toEqual({ owner: "weather-sub", key: publicKey });
    // Z85 has ':' too: the first one splits, and the owner follows the id rule.
    expect(parseClientKey(publicKey)).toBeUndefined();
    expect(parseClientKey(`a b:${publicKey}`)).toBeUndefined();
    const env = { ...keysEnv(), CURVE_ALLOW: " consumer, producer " };
    expect(loadSecurity(env)).toMatchObject({ server: { allowed: new Set(["consumer", "producer"]) } });
    expect(() => loadSecurity({ ...env, CURVE_CLIENT_KEYS: publicKey })).toThrow(/CURVE_CLIENT_KEYS: expected comma-separated <service>:<40-character Z85 public key>/);
    expect(() => loadSecurity({ ...env, CURVE_ALLOW: "consumer;rm" })).toThrow(/CURVE_ALLOW: expected comma-separated service names, got "consumer;rm"/);
  });

  it("gives a replica its own keypair where npm run keys made one for its service, else the service's", () => {
    const service = curveKeyPair();
    const replicas = [curveKeyPair(), curveKeyPair()];
    const files = keyFiles(curveKeyPair(), { consumer: { service, replicas } });
    const vars = Object.fromEntries([...files["clients/consumer.env"]!.matchAll(/^(CURVE_\w+)='(.*)'$/gm)].map((m) => [m[1], m[2]]));
    expect(files["server.env"]).toContain(`CURVE_CLIENT_KEYS='consumer:${service.publicKey},consumer-1:${replicas[0]!.publicKey},consumer-2:${replicas[1]!.publicKey}'`);
    const env = { ZMQ_CURVE: "on", CURVE_SERVER_PUBLIC: service.publicKey, ...vars };
    const own = (replica?: string) => (loadSecurity(env, { server: false, client: true }, replica) as { client: { public: string } }).client.public;
    expect(own("consumer-2")).toBe(replicas[1]!.publicKey);
    expect(own("consumer-3")).toBe(service.publicKey);
    expect(own("e3b0c44298fc")).toBe(service.publicKey);
    // slow-consumer extends consumer, so it gets consumer's file: never a consumer replica's key.
    expect(own("slow-consumer-2")).toBe(service.publicKey);
    expect(() => loadSecurity({ ...env, CURVE_CLIENT_SECRET_2: "junk" }, { server: false, client: true }, "consumer-2")).toThrow(
      /CURVE_CLIENT_SECRET_2: expected a 40-character Z85 CURVE key, got 4 characters \(value not shown\)/,
    );
  });

  it("reads a key from the file its <name>_FILE names, as Swarm mounts a secret; names an unreadable file or a key set twice", () => {
    const { CURVE_SERVER_SECRET, ...env } = keysEnv();
    const dir = mkdtempSync(join(tmpdir(), "zmq-lab-key-file-"));
    try {
      const file = join(dir, "CURVE_SERVER_SECRET");
      writeFileSync(file, `${CURVE_SERVER_SECRET}\n`);
      expect(loadSecurity({ ...env, CURVE_SERVER_SECRET_FILE: file })).toMatchObject({ server: { secret: CURVE_SERVER_SECRET } });
      const missing = join(dir, "none");
      expect(() => loadSecurity({ ...env, CURVE_SERVER_SECRET_FILE: missing })).toThrow(
        new ConfigError([`CURVE_SERVER_SECRET_FILE: expected a readable file holding CURVE_SERVER_SECRET, got "${missing}" (ENOENT)`]),
      );
      expect(() => loadSecurity({ ...env, CURVE_SERVER_SECRET, CURVE_SERVER_SECRET_FILE: file })).toThrow(/CURVE_SERVER_SECRET_FILE: expected CURVE_SERVER_SECRET or CURVE_SERVER_SECRET_FILE, not both/);
      // The file's text is validated as the key, and never echoed.
      writeFileSync(file, "not a key");
      expect(() => loadSecurity({ ...env, CURVE_SERVER_SECRET_FILE: file })).toThrow(/CURVE_SERVER_SECRET: expected a 40-character Z85 CURVE key, got 9 characters \(value not shown\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a switch value other than on or off", () => {
    expect(() => loadSecurity({ ZMQ_CURVE: "yes" })).toThrow(/ZMQ_CURVE: expected one of off, on, got "yes"/);
  });
});

// Real sockets over loopback: one CURVE server with the Guard (the ZAP endpoint is one per process,
// so the tests share it), and clients with good and bad keys.
describe("Guard", () => {
  const server: zmq.Socket[] = [];
  const clients: zmq.Socket[] = [];
  const lines: string[] = [];
  const log = memoryLog(lines);
  // Two services have keys; this server admits only "client", so "other" is known but refused.
  const other = curveKeyPair();
  const replica = curveKeyPair();
  const env = keysEnv();
  const security = loadSecurity({ ...env, CURVE_CLIENT_KEYS: `${env.CURVE_CLIENT_KEYS},other:${other.publicKey},client-2:${replica.publicKey}`, CURVE_ALLOW: "client" });
  let endpoint: string;

  beforeAll(async () => {
    const rep = new zmq.Reply({ linger: 0 });
    server.push(rep);
    await new Guard(security, log, (s) => server.push(s)).server(rep);
    await rep.bind("tcp://127.0.0.1:*");
    void (async () => {
      for await (const [msg] of rep) await rep.send(`echo ${msg}`);
    })();
    endpoint = rep.lastEndpoint!;
  });
  afterAll(() => server.forEach((s) => s.close()));
  afterEach(() => {
    clients.splice(0).forEach((s) => s.closed || s.close());
    lines.length = 0;
  });

  /** One request from a client with `security`, from the loopback address `source`. */
  const ask = async (security: Security, source = "127.0.0.1"): Promise<string> => {
    const req = new zmq.Request({ linger: 0, receiveTimeout: 700 });
    clients.push(req);
    new Guard(security, log, (s) => clients.push(s)).client(req);
    req.connect(endpoint.replace("tcp://", `tcp://${source}:0;`));
    await req.send("hi");
    try {
      return String((await req.receive())[0]);
    } catch (err) {
      return (err as { code?: string }).code === "EAGAIN" ? "nothing" : String(err);
    }
  };

  it("lets an allow-listed client through, encrypted, and names its service", async () => {
    expect(await ask(security)).toBe("echo hi");
    expect(lines).toContainEqual("ZAP admitted CURVE client client from 127.0.0.1 (x1)");
  });

  it("admits a replica's own key where its service is allowed, and names the replica", async () => {
    if (security.mode !== "curve") throw new Error("expected curve");
    expect(await ask({ ...security, client: { ...security.client!, public: replica.publicKey, secret: replica.secretKey } }, "127.0.0.7")).toBe("echo hi");
    expect(lines).toContainEqual("ZAP admitted CURVE client client-2 from 127.0.0.7 (x1)");
  });

  it("refuses another service's key where that service is not allowed, naming its owner", async () => {
    if (security.mode !== "curve") throw new Error("expected curve");
    expect(await ask({ ...security, client: { ...security.client!, public: other.publicKey, secret: other.secretKey } }, "127.0.0.5")).toBe("nothing");
    expect(lines).toContainEqual(`ZAP rejected CURVE client ${other.publicKey} (other's key) from 127.0.0.5: other may not connect here (allowed: client) (x1)`);
  }, 10_000);

  it("says a flood of new keys from one peer once, then counts it (x10)", async () => {
    if (security.mode !== "curve") throw new Error("expected curve");
    for (let i = 0; i < 10; i++) {
      const stranger = curveKeyPair();
      const req = new zmq.Request({ linger: 0 });
      clients.push(req);
      new Guard({ ...security, client: { ...security.client!, public: stranger.publicKey, secret: stranger.secretKey } }, log, (s) => clients.push(s)).client(req);
      req.connect(endpoint.replace("tcp://", "tcp://127.0.0.6:0;"));
    }
    // Each stranger retries every 100 ms; ten different keys are still one peer.
    await expect.poll(() => lines.filter((l) => l.startsWith("ZAP rejected") && l.endsWith("(x10)")), { timeout: 5_000 }).toHaveLength(1);
    const said = lines.filter((l) => l.startsWith("ZAP rejected"));
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/^ZAP rejected CURVE client \S{40} \(unknown key\) from 127\.0\.0\.6: key not on the allow-list \(x1\)$/);
  }, 10_000);

  it("gives nothing to a plaintext client, a wrong server key, or an unlisted client key", async () => {
    if (security.mode !== "curve") throw new Error("expected curve");
    const stranger = curveKeyPair();

    expect(await ask({ mode: "off" }, "127.0.0.2")).toBe("nothing");
    expect(await ask({ ...security, client: { ...security.client!, serverPublic: curveKeyPair().publicKey } }, "127.0.0.3")).toBe("nothing");
    expect(await ask({ ...security, client: { ...security.client!, public: stranger.publicKey, secret: stranger.secretKey } }, "127.0.0.4")).toBe("nothing");

    // Each line names the peer that failed, not the server's own address.
    const on = endpoint.replace(/^tcp:\/\//, "");
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^CURVE handshake failed \\(protocol\\) from 127.0.0.2 on tcp://${on}: .* \\(x1\\)$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^CURVE handshake failed \\(protocol\\) from 127.0.0.3 on tcp://${on}: .* \\(x1\\)$`)));
    expect(lines).toContainEqual(`ZAP rejected CURVE client ${stranger.publicKey} (unknown key) from 127.0.0.4: key not on the allow-list (x1)`);
    expect(lines.filter((l) => / from (an unknown address|127\.0\.0\.1) /.test(l))).toEqual([]);
  }, 20_000);
});
