import { describe, expect, it } from "vitest";
import { metricsOf } from "../../services/dashboard/metrics.js";
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
    expect(view.snapshot(1_000).log.at(-1)).toMatchObject({ replica: "consumer-2", kind: "handshake failure (auth: ZAP refused the key)", detail: "Pull tcp://10.0.0.9:5555" });
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
