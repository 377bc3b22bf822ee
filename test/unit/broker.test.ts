import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { BrokerTally } from "../../services/broker/report.js";
import { heartbeat, parseFromBroker, parseFromWorker, ready, reply, request } from "../../services/broker/wire.js";
import { relay } from "../../services/devices/relay.js";

const frames = (...parts: Array<string | Buffer>) => parts.map((part) => Buffer.from(part));

describe("broker wire", () => {
  it("reads back what each side encodes", () => {
    expect(parseFromWorker(frames(...ready("broker-worker-2")))).toEqual({ ok: true, value: { kind: "READY", worker: "broker-worker-2" } });
    expect(parseFromWorker(frames(...heartbeat()))).toEqual({ ok: true, value: { kind: "HEARTBEAT" } });
    expect(parseFromWorker(frames(...reply(12, "Hi")))).toEqual({ ok: true, value: { kind: "REPLY", request: 12, body: Buffer.from("Hi") } });
    expect(parseFromBroker(frames(...request(3, Buffer.from("Hello"))))).toEqual({ ok: true, value: { kind: "REQUEST", request: 3, body: Buffer.from("Hello") } });
    expect(parseFromBroker(frames(...heartbeat()))).toEqual({ ok: true, value: { kind: "HEARTBEAT" } });
  });

  it.each([
    ["no frames", []],
    ["an unknown command", frames("HELLO")],
    ["READY without an id", frames("READY")],
    ["READY with a space in the id", frames("READY", "a b")],
    ["a heartbeat with a body", frames("HEARTBEAT", "x")],
    ["REPLY with a non-numeric id", frames("REPLY", "x1", "Hi")],
    ["REPLY without a body", frames("REPLY", "1")],
    ["REPLY with two bodies", frames("REPLY", "1", "a", "b")],
    ["a REQ envelope", frames("", "READY", "w")],
  ])("a worker message with %s is malformed", (_, message) => {
    expect(parseFromWorker(message).ok).toBe(false);
  });

  it.each([
    ["a REPLY", frames("REPLY", "1", "Hi")],
    ["REQUEST without a body", frames("REQUEST", "1")],
    ["REQUEST with a negative id", frames("REQUEST", "-1", "x")],
  ])("a broker message that is %s is malformed", (_, message) => {
    expect(parseFromBroker(message).ok).toBe(false);
  });
});

describe("broker tally", () => {
  it("counts answers per worker, the longest queue, and reports them with one RESULT line", () => {
    const tally = new BrokerTally();
    ["w1", "w2", "w1"].forEach((worker) => tally.answered(worker));
    [1, 4, 2].forEach((length) => tally.queued(length));
    const lines: string[] = [];
    tally.report({ info: (l) => lines.push(l), warn: () => {}, error: () => {} }, "idle");
    expect(lines[0]).toBe("idle: answered 3 requests, queued max 4, re-queued 0, purged 0 workers, 0 late replies dropped, 0 refused (queue full), 0 malformed");
    expect(lines.slice(1, 5)).toEqual(["worker  answered", "------  --------", "w1      2", "w2      1"]);
    expect(JSON.parse(lines.at(-1)!.replace(/^RESULT /, ""))).toMatchObject({ answered: 3, workers: { w1: 2, w2: 1 }, queuedMax: 4 });
  });
});

describe("device relay", () => {
  it("forwards every message in order, counts it, and ends when its sockets close", async () => {
    const id = `inproc://relay-${process.pid}`;
    const [source, inbound, outbound, sink] = [new zmq.Push(), new zmq.Pull(), new zmq.Push(), new zmq.Pull()];
    await source.bind(`${id}-in`);
    inbound.connect(`${id}-in`);
    await outbound.bind(`${id}-out`);
    sink.connect(`${id}-out`);
    const lines: string[] = [];
    const role = { log: { info: (l: string) => lines.push(l), warn: () => {}, error: () => {} }, stopping: false };
    const running = relay(role, [{ name: "tasks", from: inbound, to: outbound }]);
    for (let n = 1; n <= 5; n++) await source.send(String(n));
    const got: string[] = [];
    for (let n = 1; n <= 5; n++) got.push(String((await sink.receive())[0]));
    expect(got).toEqual(["1", "2", "3", "4", "5"]);
    role.stopping = true;
    inbound.close();
    outbound.close();
    await running;
    expect(lines.at(-1)).toBe("stopping: relayed 5 tasks");
    source.close();
    sink.close();
  });
});
