import { describe, expect, it } from "vitest";
import { metricsOf } from "../../services/dashboard/metrics.js";
import type { Row } from "../../services/dashboard/panels.js";
import { ServerTally } from "../../services/pair/report.js";
import { WeatherReport } from "../../services/pubsub/report.js";
import { Tally } from "../../services/reqrep/report.js";
import { parseRecord, serviceOf, View } from "../../services/dashboard/view.js";
import type { TelemetryRecord } from "../../services/runtime/telemetry.js";

const record = (over: Partial<TelemetryRecord> = {}): TelemetryRecord => ({
  v: 1,
  role: "consumer",
  replica: "consumer-2",
  pattern: "pipeline",
  seq: 1,
  at: 1_000,
  intervalMs: 500,
  state: "ready",
  sockets: [{ id: 0, type: "Pull", endpoints: ["connect tcp://producer:5557"], in: { msgs: 4, bytes: 80 }, out: { msgs: 0, bytes: 0 }, events: { connect: 1, handshake: 1 } }],
  events: [],
  dropped: 0,
  ...over,
});
const frame = (value: unknown) => [Buffer.from(typeof value === "string" ? value : JSON.stringify(value))];

describe("parseRecord", () => {
  it("takes a record and refuses what is not one, by reason", () => {
    expect(parseRecord(frame(record())).ok).toBe(true);
    const reasons = [
      [frame("{not json"), "json"],
      [[Buffer.from("a"), Buffer.from("b")], "frames"],
      [frame({ ...record(), v: 2 }), "version"],
      [frame({ ...record(), replica: "<script>" }), "name"],
      [frame({ ...record(), seq: -1 }), "numbers"],
      [frame({ ...record(), state: "dancing" }), "state"],
      [frame({ ...record(), sockets: [{ id: 0 }] }), "sockets"],
      [frame({ ...record(), events: [{ at: 1, socket: 0, event: "nope", address: "x" }] }), "events"],
      [frame({ ...record(), figures: [1, 2] }), "figures"],
    ] as const;
    for (const [frames, reason] of reasons) expect(parseRecord(frames)).toEqual({ ok: false, reason });
  });

  it("names the service after the replica", () => {
    expect(serviceOf("consumer-12")).toBe("consumer");
    expect(serviceOf("weather-pub-1")).toBe("weather-pub");
    expect(serviceOf("dashboard")).toBe("dashboard");
  });
});

describe("View", () => {
  it("follows a replica from ready to gone after 3 intervals of silence, and back", () => {
    const view = new View();
    expect(view.ingest(frame(record()), 1_000)).toBe(true);
    view.tick(2_400);
    expect(view.all[0]!.state).toBe("ready");
    view.tick(2_600);
    expect(view.all[0]!.state).toBe("gone");
    view.ingest(frame(record({ seq: 2 })), 3_000);
    expect(view.all[0]!.state).toBe("ready");
    expect(view.snapshot(3_000).log.map((e) => e.kind)).toEqual(["seen", "ready", "gone", "back"]);
  });

  it("shows an exit as done or failed, never as gone", () => {
    const view = new View();
    view.ingest(frame(record({ state: "exited", exitCode: 0 })), 1_000);
    view.ingest(frame(record({ replica: "collector-1", role: "collector", state: "exited", exitCode: 4 })), 1_000);
    view.tick(60_000);
    expect(view.all.map((n) => [n.replica, n.state])).toEqual([
      ["consumer-2", "done"],
      ["collector-1", "failed"],
    ]);
  });

  it("counts records lost between two it saw, not those sent before it listened", () => {
    const view = new View();
    view.ingest(frame(record({ seq: 7 })), 1_000);
    view.ingest(frame(record({ seq: 8 })), 1_500);
    view.ingest(frame(record({ seq: 11 })), 2_000);
    expect(view.all[0]!.lost).toBe(2);
  });

  it("logs handshake failures by socket", () => {
    const view = new View();
    const failure = { at: 5, socket: 0, event: "handshake:error:auth" as const, address: "tcp://10.0.0.9:5555" };
    view.ingest(frame(record({ events: [failure] })), 1_000);
    expect(view.snapshot(1_000).log.at(-1)).toMatchObject({ replica: "consumer-2", kind: "ZAP rejection", detail: "Pull tcp://10.0.0.9:5555: the server's ZAP handler refused this role's key" });
  });

  it("survives a flood of garbage and unknown fields: counted, bounded, the good records still taken", () => {
    const view = new View();
    view.ingest(frame(record()), 900);
    for (let i = 0; i < 10_000; i++) view.ingest(frame(i % 2 ? "garbage" : { ...record({ replica: `flood-${i}` }), extra: "field" }), 1_000 + i / 10);
    // Known replicas keep their place: a flood of new names is refused past 500 replicas.
    expect(view.ingest(frame(record({ seq: 2 })), 2_000)).toBe(true);
    const { stats, nodes } = view.snapshot(2_000);
    expect(stats.rejected).toMatchObject({ json: 5_000, "too many replicas": 4_501 });
    expect(stats.unknownFields).toBe(5_000);
    expect(nodes).toHaveLength(500);
    expect(stats.perSecond).toBeGreaterThan(0);
  });
});

describe("metricsOf", () => {
  it("exports each socket's counters and the role's figures, labelled by pattern, service and replica", async () => {
    const view = new View();
    view.ingest(frame(record({ figures: { count: 12, verdict: "PASS" } })), 1_000);
    view.ingest(frame("nope"), 1_000);
    const text = await metricsOf(view).metrics();
    const labels = 'pattern="pipeline",service="consumer",replica="consumer-2"';
    expect(text).toContain(`zmqlab_socket_messages_total{${labels},socket="0",type="Pull",direction="in"} 4`);
    expect(text).toContain(`zmqlab_socket_bytes_total{${labels},socket="0",type="Pull",direction="in"} 80`);
    expect(text).toContain(`zmqlab_socket_events_total{${labels},socket="0",type="Pull",event="handshake"} 1`);
    expect(text).toContain(`zmqlab_figure{${labels},name="count"} 12`);
    expect(text).toContain(`zmqlab_role_state{${labels},state="ready"} 1`);
    expect(text).toContain('zmqlab_telemetry_rejected_total{reason="json"} 1');
    expect(text).toContain("# TYPE zmqlab_socket_messages_total counter");
  });
});

describe("edgesOf", () => {
  const socket = (id: number, type: string, endpoint: string, msgs = { in: 0, out: 0 }) => ({
    id,
    type,
    endpoints: [endpoint],
    in: { msgs: msgs.in, bytes: 0 },
    out: { msgs: msgs.out, bytes: 0 },
    events: {},
  });
  const ip = (i: number) => `10.0.0.${10 + i}`;
  // producer-1 binds PUSH on 5557; consumer-i's PULL connects to it from port 4000i and has had `got` tasks.
  const producer = (seq: number, consumers: number[]) =>
    record({ role: "producer", replica: "producer-1", seq, sockets: [socket(0, "Push", "bind tcp://*:5557", { in: 0, out: 10 * seq })], net: { addresses: [ip(0)], connections: consumers.map((i): [string, string] => [`${ip(0)}:5557`, `${ip(i)}:4000${i}`]) } });
  const consumer = (i: number, seq: number, got: number) =>
    record({
      replica: `consumer-${i}`,
      seq,
      sockets: [socket(0, "Pull", "connect tcp://producer:5557", { in: got, out: 0 }), socket(1, "Push", "connect tcp://collector:5558")],
      net: { addresses: [ip(i)], connections: [[`${ip(i)}:4000${i}`, `${ip(0)}:5557`]] },
    });

  it("draws producer → each consumer, rated by the consumer's PULL (its only connection), and drops a gone consumer's", () => {
    const view = new View();
    view.ingest(frame(producer(1, [1, 2, 3])), 1_000);
    for (const i of [1, 2, 3]) view.ingest(frame(consumer(i, 1, 0)), 1_000);
    view.ingest(frame(producer(2, [1, 2, 3])), 2_000);
    for (const i of [1, 2, 3]) view.ingest(frame(consumer(i, 2, 4 * i)), 2_000);
    const edges = view.snapshot(2_000).edges;
    expect(edges).toEqual([1, 2, 3].map((i) => ({ from: { replica: "producer-1", socket: 0, type: "Push" }, to: { replica: `consumer-${i}`, socket: 0, type: "Pull" }, rate: 4 * i })));

    // consumer-2 goes quiet: gone after 3 intervals, and its edge with it, while the producer still lists the connection.
    view.ingest(frame(producer(3, [1, 2, 3])), 3_000);
    for (const i of [1, 3]) view.ingest(frame(consumer(i, 3, 5 * i)), 3_000);
    // A page's tick just before: the edges it derived then must not outlive consumer-2's gone.
    expect(view.snapshot(3_500).edges).toHaveLength(3);
    view.tick(3_600);
    expect(view.snapshot(3_600).edges.map((e) => e.to.replica)).toEqual(["consumer-1", "consumer-3"]);
  });

  it("shows an edge from one side's report alone, and its rate as unknown when no end's socket holds only that connection", () => {
    const view = new View();
    // Two subscribers, each one SUB connected to both publishers; each publisher's PUB has both subscribers.
    const pub = (n: number) =>
      record({ role: "weather-pub", replica: `weather-pub-${n}`, pattern: "pubsub", sockets: [socket(0, "Publisher", "bind tcp://*:5556", { in: 0, out: 50 })], net: { addresses: [ip(n)], connections: [] } });
    const sub = (n: number) =>
      record({
        role: "weather-sub",
        replica: `weather-sub-${n}`,
        pattern: "pubsub",
        sockets: [{ ...socket(0, "Subscriber", "connect tcp://weather-pub-1:5556", { in: 7, out: 0 }), endpoints: ["connect tcp://weather-pub-1:5556", "connect tcp://weather-pub-2:5556"] }],
        net: { addresses: [ip(2 + n)], connections: [1, 2].map((p): [string, string] => [`${ip(2 + n)}:500${p}`, `${ip(p)}:5556`]) },
      });
    for (const node of [pub(1), pub(2), sub(1), sub(2)]) view.ingest(frame(node), 1_000);
    const edges = view.snapshot(1_000).edges;
    expect(edges.map((e) => `${e.from.replica}>${e.to.replica}:${e.rate}`)).toEqual([
      "weather-pub-1>weather-sub-1:null",
      "weather-pub-1>weather-sub-2:null",
      "weather-pub-2>weather-sub-1:null",
      "weather-pub-2>weather-sub-2:null",
    ]);
  });

  it("tells a subscriber's SUB sockets apart by the publisher each endpoint names", () => {
    const view = new View();
    const pub = (n: number, seq: number) =>
      record({ role: "weather-pub", replica: `weather-pub-${n}`, pattern: "pubsub", seq, sockets: [socket(0, "Publisher", "bind tcp://*:5556")], net: { addresses: [ip(n)], connections: [[`${ip(n)}:5556`, `${ip(3)}:500${n}`]] } });
    const sub = (seq: number, got: number) =>
      record({
        role: "weather-sub",
        replica: "weather-sub-1",
        pattern: "pubsub",
        seq,
        sockets: [socket(0, "Subscriber", "connect tcp://weather-pub-1:5556", { in: got, out: 0 }), socket(1, "Subscriber", "connect tcp://weather-pub-2:5556", { in: 3 * got, out: 0 })],
        net: { addresses: [ip(3)], connections: [1, 2].map((p): [string, string] => [`${ip(3)}:500${p}`, `${ip(p)}:5556`]) },
      });
    for (const [seq, at] of [[1, 1_000], [2, 2_000]] as const) {
      view.ingest(frame(pub(1, seq)), at);
      view.ingest(frame(pub(2, seq)), at);
      view.ingest(frame(sub(seq, 2 * (seq - 1))), at);
    }
    expect(view.snapshot(2_000).edges).toEqual([
      { from: { replica: "weather-pub-1", socket: 0, type: "Publisher" }, to: { replica: "weather-sub-1", socket: 0, type: "Subscriber" }, rate: 2 },
      { from: { replica: "weather-pub-2", socket: 0, type: "Publisher" }, to: { replica: "weather-sub-1", socket: 1, type: "Subscriber" }, rate: 6 },
    ]);
  });

  it("refuses a malformed net field", () => {
    expect(parseRecord(frame({ ...record(), net: { addresses: ["<b>"], connections: [] } }))).toEqual({ ok: false, reason: "net" });
    expect(parseRecord(frame({ ...record(), net: { addresses: [], connections: [["1.2.3.4:1"]] } }))).toEqual({ ok: false, reason: "net" });
  });
});

describe("View's event log", () => {
  const consumerSocket = { id: 0, type: "Pull", endpoints: ["connect tcp://producer:5557"], in: { msgs: 0, bytes: 0 }, out: { msgs: 0, bytes: 0 }, events: {} };
  const event = (at: number, name: "disconnect" | "handshake" | "handshake:error:auth", address = "tcp://producer:5557") => ({ at, socket: 0, event: name, address });

  it("names a reconnect, a ZAP rejection on each side, and the producer's re-dispatches", () => {
    const view = new View();
    view.ingest(frame(record({ sockets: [consumerSocket], events: [event(1, "handshake"), event(2, "disconnect")] })), 1_000);
    view.ingest(frame(record({ seq: 2, sockets: [consumerSocket], events: [event(3, "handshake"), event(4, "handshake:error:auth")] })), 1_500);
    const server = { ...consumerSocket, type: "Reply", endpoints: ["bind tcp://*:5555"] };
    view.ingest(frame(record({ role: "rep-server", replica: "rep-server-1", sockets: [server], events: [event(5, "handshake:error:auth", "tcp://0.0.0.0:5555")] })), 1_500);
    const producer = (seq: number, redispatched: number) => record({ role: "producer", replica: "producer-1", seq, figures: { redispatched } });
    view.ingest(frame(producer(1, 0)), 1_500);
    view.ingest(frame(producer(2, 3)), 2_000);
    view.ingest(frame(producer(3, 3)), 2_500);
    const log = view.snapshot(2_500).log.filter((e) => !["seen", "ready"].includes(e.kind));
    expect(log.map((e) => `${e.replica} ${e.kind}: ${e.detail}`)).toEqual([
      "consumer-2 handshake: Pull tcp://producer:5557",
      "consumer-2 disconnected: Pull tcp://producer:5557",
      "consumer-2 reconnect: Pull tcp://producer:5557: connected again",
      "consumer-2 ZAP rejection: Pull tcp://producer:5557: the server's ZAP handler refused this role's key",
      "rep-server-1 ZAP rejection: Reply tcp://0.0.0.0:5555: its ZAP handler refused a peer's key",
      "producer-1 re-dispatch: 3 more tasks re-sent to other consumers, 3 in all",
    ]);
  });
});

describe("panelsOf", () => {
  const node = (replica: string, role: string, pattern: string, figures: Record<string, unknown>, over: Partial<TelemetryRecord> = {}) =>
    frame(record({ replica, role, pattern, figures, ...over }));
  const cells = (row: Row) => row.cells.map((c) => c.value);

  it("pubsub: each subscriber's updates, mean and losses, in all and per publisher, from its report's own figures", () => {
    const report = new WeatherReport("10001", ["weather-pub-1", "weather-pub-2"]);
    report.sent("weather-pub-1", 0);
    [50, 60].forEach((temp) => report.add("weather-pub-1", { zip: "10001", temp }));
    report.sent("weather-pub-1", 5);
    report.add("weather-pub-2", { zip: "10001", temp: 70 });
    const view = new View();
    view.ingest(node("weather-sub-1", "weather-sub", "pubsub", report.result()), 1_000);
    view.ingest(node("weather-pub-1", "weather-pub", "pubsub", { id: "weather-pub-1", sent: 812 }), 1_000);
    const [panel] = view.snapshot(1_000).panels;
    expect(panel!.lines).toEqual(["weather-pub-1 published 812"]);
    expect(panel!.tables[0]!.rows.map(cells)).toEqual([
      ["weather-sub-1", "10001", "all", 3, 60, "3 of 5", 0],
      ["", "", "weather-pub-1", 2, 55, "3 of 5", ""],
      ["", "", "weather-pub-2", 1, 70, "unknown", ""],
    ]);
  });

  it("reqrep: a client's replies and retries, its RESULT once done, and the server's table", () => {
    const tally = new Tally();
    ["req-client-1", "req-client-1", "req-client-2"].forEach((id) => tally.answer(id));
    const view = new View();
    view.ingest(node("req-client-1", "req-client", "reqrep", { id: "req-client-1", replies: 1, requests: 4, retries: 1 }), 1_000);
    view.ingest(node("req-client-2", "req-client", "reqrep", { id: "req-client-2", replies: 1, requests: 4, retries: 0 }), 1_000);
    view.ingest(node("req-client-2", "req-client", "reqrep", { replies: 3 }, { seq: 2, state: "exited", exitCode: 0, result: { replies: 4, requests: 4, retries: 0, verdict: "PASS" } }), 1_500);
    view.ingest(node("rep-server-1", "rep-server", "reqrep", tally.result()), 1_500);
    const [clients, servers] = view.snapshot(1_500).panels[0]!.tables;
    expect(clients!.rows.map((r) => [r.data.client, ...cells(r)])).toEqual([
      ["req-client-1", "req-client-1", 1, 4, 1, "ready"],
      ["req-client-2", "req-client-2", 4, 4, 0, "PASS"],
    ]);
    expect(servers!.rows.map(cells)).toEqual([
      ["rep-server-1", "req-client-1", 2],
      ["rep-server-1", "req-client-2", 1],
    ]);
  });

  it("pair: the client's exchanges and the server's replies per client; no panel for a pattern without one", () => {
    const tally = new ServerTally();
    [1, 2].forEach(() => tally.reply("pair-client-1"));
    const view = new View();
    view.ingest(node("pair-client-1", "pair-client", "pair", { exchanges: 2, messages: 10 }), 1_000);
    view.ingest(node("pair-server-1", "pair-server", "pair", tally.result()), 1_000);
    view.ingest(node("lb-broker-1", "lb-broker", "broker", {}), 1_000);
    const panels = view.snapshot(1_000).panels;
    expect(panels.map((p) => p.pattern)).toEqual(["pair"]);
    expect(panels[0]!.tables[0]!.rows.map(cells)).toEqual([
      ["pair-client-1", 2, 10],
      ["pair-server-1 ← pair-client-1", 2, null],
    ]);
  });
});
