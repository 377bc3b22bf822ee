import * as zmq from "zeromq";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../bench/projects.js";
import { ConfigError } from "../../services/runtime/config.js";
import { DEFAULT_TELEMETRY, loadTelemetry, netOf, patternOf, Telemetry, type SocketRecord, type TelemetryRecord } from "../../services/runtime/telemetry.js";

const cleanup: Array<() => void> = [];
afterEach(() => cleanup.splice(0).forEach((close) => close()));

/** A bound SUB on a free port, as the dashboard has, and its records. */
async function dashboard(): Promise<{ endpoint: string; next: (match: (r: TelemetryRecord) => boolean) => Promise<TelemetryRecord> }> {
  const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 5000 });
  sub.subscribe();
  await sub.bind("tcp://127.0.0.1:*");
  cleanup.push(() => sub.close());
  return {
    endpoint: sub.lastEndpoint!,
    async next(match) {
      for (;;) {
        const [frame] = await sub.receive();
        const record = JSON.parse(String(frame)) as TelemetryRecord;
        if (match(record)) return record;
      }
    },
  };
}

function telemetry(connect: string | undefined, intervalMs = 100): Telemetry {
  const t = new Telemetry({ connect, intervalMs, role: "collector", replica: "collector-1", pattern: "pipeline" });
  cleanup.push(() => t.close(0));
  return t;
}

describe("loadTelemetry", () => {
  it("defaults to the dashboard, turns off when set empty, names a bad value", () => {
    expect(loadTelemetry({})).toEqual({ connect: DEFAULT_TELEMETRY, intervalMs: 500 });
    expect(loadTelemetry({ TELEMETRY_CONNECT: "" }).connect).toBeUndefined();
    expect(loadTelemetry({ TELEMETRY_CONNECT: "tcp://view:6000", TELEMETRY_INTERVAL_MS: "250" })).toEqual({ connect: "tcp://view:6000", intervalMs: 250 });
    expect(() => loadTelemetry({ TELEMETRY_CONNECT: "dashboard" })).toThrow(ConfigError);
    expect(() => loadTelemetry({ TELEMETRY_INTERVAL_MS: "10" })).toThrow(/TELEMETRY_INTERVAL_MS: expected an integer from 50 to 60000/);
  });

  it("takes the pattern from the role's folder", () => {
    expect(patternOf("/app/dist/pipeline/collector.js")).toBe("pipeline");
  });
});

describe("Telemetry", () => {
  it("off: sockets are the plain classes and nothing is sent", () => {
    const t = telemetry(undefined);
    expect(t.enabled).toBe(false);
    expect(t.counted(zmq.Pair)).toBe(zmq.Pair);
  });

  it("counts messages, bytes and events of the sockets it made, with the role's figures", async () => {
    const view = await dashboard();
    const t = telemetry(view.endpoint);
    const [a, b] = [new (t.counted(zmq.Pair))({ linger: 0 }), new (t.counted(zmq.Pair))({ linger: 0 })];
    cleanup.push(() => (a.close(), b.close()));
    await a.bind("tcp://127.0.0.1:*");
    t.endpoint(a, "bind", a.lastEndpoint!);
    b.connect(a.lastEndpoint!);
    t.endpoint(b, "connect", a.lastEndpoint!);
    t.figures(() => ({ count: 3 }));
    t.ready();
    await a.send("hello");
    await a.send(["two", "frames"]);
    await b.send("back");
    for (let i = 0; i < 2; i++) await b.receive();
    await a.receive();

    const record = await view.next((r) => r.sockets[0]?.out.msgs === 2 && r.sockets[1]?.in.msgs === 2 && r.sockets[0]?.in.msgs === 1);
    expect(record).toMatchObject({ v: 1, role: "collector", replica: "collector-1", pattern: "pipeline", state: "ready", figures: { count: 3 } });
    expect(record.sockets[0]).toMatchObject({ type: "Pair", endpoints: [`bind ${a.lastEndpoint}`], out: { msgs: 2, bytes: 14 }, in: { msgs: 1, bytes: 4 } });
    expect(record.sockets[1]).toMatchObject({ endpoints: [`connect ${a.lastEndpoint}`], in: { msgs: 2, bytes: 14 }, out: { msgs: 1, bytes: 4 } });
    expect(record.sockets[0]!.events.handshake).toBe(1);
    expect(record.sockets[1]!.events.connect).toBe(1);
    // Both ends of the one connection, from the kernel's table: the bound side's and the connecting side's.
    const port = a.lastEndpoint!.split(":").pop();
    expect(record.net!.connections).toContainEqual([`127.0.0.1:${port}`, expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
    expect(record.net!.connections).toContainEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/), `127.0.0.1:${port}`]);
  });

  it("lists the established connections on its open sockets' ports only, not telemetry's nor a closed socket's", () => {
    const socket = (id: number, endpoint: string, closed?: true): SocketRecord => ({ id, type: "Pull", endpoints: [endpoint], in: { msgs: 0, bytes: 0 }, out: { msgs: 0, bytes: 0 }, events: {}, ...(closed && { closed }) });
    const table = () => [
      { local: "10.0.0.3:5558", remote: "10.0.0.7:40001", state: 1 },
      { local: "10.0.0.3:40002", remote: "10.0.0.2:5557", state: 1 },
      { local: "10.0.0.3:40003", remote: "10.0.0.2:5557", state: 6 },
      { local: "10.0.0.3:40004", remote: "10.0.0.9:5599", state: 1 },
      { local: "10.0.0.3:40005", remote: "10.0.0.4:5555", state: 1 },
    ];
    const sockets = [socket(0, "bind tcp://*:5558"), socket(1, "connect every replica of tcp://producer:5557"), socket(2, "connect tcp://rep-server:5555", true)];
    expect(netOf(sockets, table)?.connections).toEqual([
      ["10.0.0.3:5558", "10.0.0.7:40001"],
      ["10.0.0.3:40002", "10.0.0.2:5557"],
    ]);
    expect(netOf([socket(0, "bind inproc://x")], table)).toBeUndefined();
  });

  it("lists socket events soon after they happen, and the RESULT and exit code last", async () => {
    const view = await dashboard();
    const t = telemetry(view.endpoint, 10_000);
    const server = new (t.counted(zmq.Pull))({ linger: 0 });
    cleanup.push(() => server.close());
    await server.bind("tcp://127.0.0.1:*");
    const peer = new zmq.Push({ linger: 0 });
    cleanup.push(() => peer.close());
    peer.connect(server.lastEndpoint!);
    // The interval is 10 s: a record within 5 s came from the event.
    const withAccept = await view.next((r) => r.events.some((e) => e.event === "accept"));
    expect(withAccept.events.find((e) => e.event === "accept")).toMatchObject({ socket: 0, address: expect.stringContaining("tcp://") });
    t.setResult({ verdict: "PASS" });
    t.close(0);
    const last = await view.next((r) => r.state === "exited");
    expect(last).toMatchObject({ exitCode: 0, result: { verdict: "PASS" } });
  });

  it("never blocks or throws with no dashboard: records are dropped", async () => {
    const t = telemetry("tcp://127.0.0.1:1", 50);
    const [a, b] = [new (t.counted(zmq.Push))({ linger: 0 }), new (t.counted(zmq.Pull))({ linger: 0 })];
    cleanup.push(() => (a.close(), b.close()));
    await b.bind("tcp://127.0.0.1:*");
    a.connect(b.lastEndpoint!);
    const started = performance.now();
    for (let i = 0; i < 200; i++) {
      await a.send(String(i));
      await b.receive();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(t.snapshot().sockets[0]!.out.msgs).toBe(200);
  });

  it("a role done before a starting dashboard subscribed waits for it, and its last record arrives", async () => {
    // A port nothing listens on yet: the dashboard's container is there, its SUB not bound.
    const port = await freePort();
    const t = telemetry(`tcp://127.0.0.1:${port}`, 10_000);
    t.setResult({ verdict: "PASS" });
    await expect.poll(() => t.dashboard).toBe("addressed");
    const closed = t.close(0);
    const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 5000 });
    cleanup.push(() => sub.close());
    sub.subscribe();
    await sub.bind(`tcp://127.0.0.1:${port}`);
    const [frame] = await sub.receive();
    expect(JSON.parse(String(frame))).toMatchObject({ replica: "collector-1", state: "exited", exitCode: 0, result: { verdict: "PASS" } });
    await closed;
    expect(t.dashboard).toBe("subscribed");
  });

  it("waits for nothing at exit when the dashboard's name does not resolve", async () => {
    const t = telemetry("tcp://no-dashboard.invalid:5599");
    await expect.poll(() => t.dashboard, { timeout: 4000 }).toBe("unresolved");
    // A minute allowed: had it waited, the test would time out.
    await t.close(0, 60_000);
  });

  it("a throwing figures callback costs the figures, not the record", () => {
    const t = telemetry("tcp://127.0.0.1:1");
    t.figures(() => {
      throw new Error("boom");
    });
    expect(t.snapshot().figures).toBeUndefined();
  });
});
