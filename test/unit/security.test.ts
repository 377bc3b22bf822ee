import * as zmq from "zeromq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../services/runtime/config.js";
import { curveKeyPair, keyFiles, z85Encode } from "../../services/runtime/keys.js";
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
  it("gives each side only its own keys, and public.env no secret at all", () => {
    const server = curveKeyPair();
    const client = curveKeyPair();
    const files = keyFiles(server, client);
    const vars = (text: string) => Object.fromEntries([...text.matchAll(/^(CURVE_\w+)='(.*)'$/gm)].map((m) => [m[1], m[2]]));
    expect(vars(files["server.env"])).toEqual({ CURVE_SERVER_SECRET: server.secretKey, CURVE_ALLOWED_CLIENTS: client.publicKey });
    expect(vars(files["client.env"])).toEqual({ CURVE_SERVER_PUBLIC: server.publicKey, CURVE_CLIENT_PUBLIC: client.publicKey, CURVE_CLIENT_SECRET: client.secretKey });
    expect(vars(files["public.env"])).toEqual({ CURVE_SERVER_PUBLIC: server.publicKey, CURVE_CLIENT_PUBLIC: client.publicKey });
    // Each file is what loadSecurity reads for its side.
    expect(loadSecurity({ ZMQ_CURVE: "on", ...vars(files["server.env"]) }, { server: true, client: false })).toMatchObject({ server: { secret: server.secretKey } });
    expect(loadSecurity({ ZMQ_CURVE: "on", ...vars(files["client.env"]) }, { server: false, client: true })).toMatchObject({ client: { secret: client.secretKey } });
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
    CURVE_ALLOWED_CLIENTS: client.publicKey,
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
      server: { secret: env.CURVE_SERVER_SECRET, allowed: new Set([env.CURVE_CLIENT_PUBLIC]) },
      client: { serverPublic: env.CURVE_SERVER_PUBLIC, public: env.CURVE_CLIENT_PUBLIC, secret: env.CURVE_CLIENT_SECRET },
    });
  });

  it("asks a role only for the keys of the sides it has", () => {
    const { CURVE_SERVER_PUBLIC, CURVE_CLIENT_PUBLIC, CURVE_CLIENT_SECRET, ...serverOnly } = keysEnv();
    const { CURVE_SERVER_SECRET, CURVE_ALLOWED_CLIENTS, ...clientOnly } = keysEnv();
    expect(loadSecurity(serverOnly, { server: true, client: false })).toMatchObject({ server: { secret: serverOnly.CURVE_SERVER_SECRET }, client: undefined });
    expect(loadSecurity(clientOnly, { server: false, client: true })).toMatchObject({ server: undefined, client: { secret: clientOnly.CURVE_CLIENT_SECRET } });
    expect(loadSecurity({ ZMQ_CURVE: "on" }, { server: false, client: false })).toEqual({ mode: "curve", server: undefined, client: undefined });
    // A server handed only client keys still names what it lacks.
    expect(() => loadSecurity(clientOnly, { server: true, client: false })).toThrow(/CURVE_SERVER_SECRET: missing.*CURVE_ALLOWED_CLIENTS: missing/);
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
  const security = loadSecurity(keysEnv());
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

  it("lets an allow-listed client through, encrypted", async () => {
    expect(await ask(security)).toBe("echo hi");
  });

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
    expect(lines).toContainEqual(`ZAP rejected CURVE client ${stranger.publicKey} from 127.0.0.4: key not on the allow-list (x1)`);
    expect(lines.filter((l) => / from (an unknown address|127\.0\.0\.1) /.test(l))).toEqual([]);
  }, 20_000);
});
