import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { Dispatcher } from "../../services/broker/dispatcher.js";
import { BrokerTally } from "../../services/broker/report.js";
import { heartbeat, parseFromBroker, parseFromWorker, QUEUE_FULL, ready, reply, request } from "../../services/broker/wire.js";
import { relay } from "../../services/runtime/relay.js";
import { memoryLog } from "../helpers/memory-log.js";

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
  it("counts answers per worker, the longest queue, and reports them; only the final report adds the one RESULT line", () => {
    const tally = new BrokerTally();
    ["w1", "w2", "w1"].forEach((worker) => tally.answered(worker));
    [1, 4, 2].forEach((length) => tally.queued(length));
    const lines: string[] = [];
    tally.report(memoryLog(lines), "idle");
    expect(lines.filter((line) => line.startsWith("RESULT "))).toEqual([]);
    tally.report(memoryLog(lines), "stopping", true);
    expect(lines.filter((line) => line.startsWith("RESULT "))).toHaveLength(1);
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
    const role = { log: memoryLog(lines), stopping: false };
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

describe("dispatcher", () => {
  const quiet = memoryLog();
  const id = (n: number) => Buffer.from([n]);
  const REQ = (client: number, body: string) => [id(client), Buffer.alloc(0), Buffer.from(body)];
  const W = (worker: number, ...parts: string[]) => [id(100 + worker), ...frames(...parts)];
  /** A Dispatcher that records what it sends; workers 1..`ready` (ids w1, w2, ...) said READY at 0. */
  function setup({ queueMax = 10, ready = 0 } = {}) {
    const sent = { clients: [] as string[], workers: [] as string[] };
    const text = (frames: Array<Buffer | string>) => frames.map((f, i) => (i === 0 ? `#${(f as Buffer)[0]}` : String(f))).join(" ");
    const out = { toClient: (f: Array<Buffer | string>) => sent.clients.push(text(f)), toWorker: (f: Array<Buffer | string>) => sent.workers.push(text(f)) };
    const broker = new Dispatcher({ queueMax, heartbeatMs: 1000 }, out, quiet);
    for (let n = 1; n <= ready; n++) broker.fromWorker(W(n, "READY", `w${n}`), 0);
    return { broker, sent };
  }

  it("hands requests to the least recently used ready worker and routes each reply to its client", () => {
    const { broker, sent } = setup({ ready: 2 });
    broker.fromClient(REQ(1, "a"), 0);
    broker.fromClient(REQ(2, "b"), 0);
    broker.fromClient(REQ(3, "c"), 0);
    expect(sent.workers).toEqual(["#101 REQUEST 1 a", "#102 REQUEST 2 b"]);
    broker.fromWorker(W(2, "REPLY", "2", "B"), 10);
    expect(sent.clients).toEqual(["#2  B"]);
    expect(sent.workers.at(-1)).toBe("#102 REQUEST 3 c");
    broker.fromWorker(W(1, "REPLY", "1", "A"), 20);
    expect(broker.tally.result).toMatchObject({ answered: 2, workers: { w1: 1, w2: 1 }, queuedMax: 1 });
  });

  it("refuses a request when the queue is full and no worker is ready", () => {
    const { broker, sent } = setup({ queueMax: 1 });
    broker.fromClient(REQ(1, "a"), 0);
    broker.fromClient(REQ(2, "b"), 0);
    expect(sent.clients).toEqual([`#2  ${QUEUE_FULL}`]);
    expect(broker.tally.result.full).toBe(1);
  });

  it("purges a worker silent for more than 3 beats, re-queues its request, and drops its late reply", () => {
    const { broker, sent } = setup({ ready: 2 });
    broker.fromClient(REQ(1, "a"), 0);
    broker.fromWorker(W(2, "HEARTBEAT"), 2500);
    broker.check(3000, true);
    expect(broker.connected).toBe(2);
    broker.check(3001, false);
    expect(broker.connected).toBe(1);
    expect(sent.workers.at(-1)).toBe("#102 REQUEST 1 a");
    broker.fromWorker(W(1, "REPLY", "1", "late"), 3100);
    broker.fromWorker(W(2, "REPLY", "1", "A"), 3200);
    expect(sent.clients).toEqual(["#1  A"]);
    expect(broker.tally.result).toMatchObject({ answered: 1, requeued: 1, purged: 1, late: 1, workers: { w2: 1 } });
  });
});
