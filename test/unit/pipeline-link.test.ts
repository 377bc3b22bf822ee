import { setTimeout as delay } from "node:timers/promises";
import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { encodeBatchStart, encodeRedispatch, parseBatchNews } from "../../services/pipeline/wire.js";
import { Announcer } from "../../services/runtime/announce.js";
import { watchPresence } from "../../services/runtime/presence.js";
import { GrowingList, receiveAny } from "../../services/runtime/receive-any.js";
import { memoryLog } from "../helpers/memory-log.js";

const quiet = memoryLog();

/** Binds a PULL socket on `endpoint`, retrying while the port is still held by one just closed. */
async function pullOn(endpoint: string): Promise<zmq.Pull> {
  for (let attempt = 0; ; attempt++) {
    const socket = new zmq.Pull({ linger: 0 });
    try {
      await socket.bind(endpoint);
      return socket;
    } catch (err) {
      socket.close();
      if (attempt >= 50) throw err;
      await delay(20);
    }
  }
}

/** The next batch start `socket` receives, skipping anything else. */
async function nextBatchStart(socket: zmq.Pull) {
  for (;;) {
    const news = parseBatchNews(await socket.receive());
    if (news.ok && news.value.kind === "batch") return news.value;
  }
}

describe("the producer's batch line", () => {
  it("gives every collector that connects the batch start, under a new epoch, and reopens the tasks for it", async () => {
    const first = await pullOn("tcp://127.0.0.1:*");
    const endpoint = first.lastEndpoint!;
    const collectors: number[] = [];
    const line = new Announcer(new zmq.Push({ linger: 0 }), quiet, "batch port", (epoch) => collectors.push(epoch));
    const presence = watchPresence(line.socket, { peer: "collector", variable: "COLLECTOR_LOST_MS", endpoint, lostMs: 60_000, close: [] });
    let second: zmq.Pull | undefined;
    try {
      line.socket.connect(endpoint);
      line.announce((epoch) => encodeBatchStart({ tasks: 3, total: 7 }, epoch));
      // Sent before or after the connection, the first collector ends up with epoch 1.
      let start = await nextBatchStart(first);
      if (start.epoch === 0) start = await nextBatchStart(first);
      expect(start).toEqual({ kind: "batch", batch: { tasks: 3, total: 7 }, epoch: 1 });
      expect(presence.attached).toBe(true);

      // The collector dies and a new one binds the same port: it hears the batch without asking.
      first.close();
      second = await pullOn(endpoint);
      expect(await nextBatchStart(second)).toEqual({ kind: "batch", batch: { tasks: 3, total: 7 }, epoch: 2 });
      expect([line.epoch, collectors]).toEqual([2, [1, 2]]);
      line.send(encodeRedispatch([4, 5]));
      expect(parseBatchNews(await second.receive())).toEqual({ ok: true, value: { kind: "redispatch", tasks: [4, 5] } });
      expect(presence.lost.aborted).toBe(false);
    } finally {
      [first, second, line.socket].forEach((socket) => socket && !socket.closed && socket.close());
    }
  });

  it("calls the collector lost after the given time without one, counted from when work began, and says so once asked", async () => {
    const socket = new zmq.Push({ linger: 0 });
    try {
      socket.connect("tcp://127.0.0.1:9");
      const presence = watchPresence(socket, { peer: "collector", variable: "COLLECTOR_LOST_MS", endpoint: "tcp://127.0.0.1:9", lostMs: 150, close: [socket] });
      // Nothing counts before work begins, however long that takes.
      await delay(300);
      expect(presence.lost.aborted).toBe(false);
      presence.expect();
      const started = performance.now();
      const errors: string[] = [];
      const log = { ...quiet, error: (line: string) => errors.push(line) };
      expect(presence.giveUp(log, () => "nothing")).toBeUndefined();
      await new Promise((resolve) => presence.lost.addEventListener("abort", resolve));
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
      expect([presence.attached, socket.closed]).toEqual([false, true]);
      // A stop or a signal that came first wins: no give-up line then.
      expect(presence.giveUp(log, () => "x", AbortSignal.abort())).toBeUndefined();
      expect(presence.giveUp(log, () => "3 tasks unconfirmed")).toBe(3);
      expect(errors).toEqual(["no collector on tcp://127.0.0.1:9 for 150 ms (COLLECTOR_LOST_MS); giving up with 3 tasks unconfirmed"]);
    } finally {
      socket.close();
    }
  });
});

describe("receiveAny", () => {
  it("merges several sockets, tags each message with its socket, says when it is idle, and ends when they close", async () => {
    const id = Math.random().toString(36).slice(2);
    const [a, b] = [new zmq.Pull(), new zmq.Pull()];
    const [toA, toB] = [new zmq.Push(), new zmq.Push()];
    await a.bind(`inproc://a-${id}`);
    await b.bind(`inproc://b-${id}`);
    toA.connect(`inproc://a-${id}`);
    toB.connect(`inproc://b-${id}`);
    const seen: Array<string | undefined> = [];
    try {
      await toB.send("from b");
      await toA.send("from a");
      for await (const arrival of receiveAny([a, b], 100)) {
        seen.push(arrival && `${arrival.index}: ${arrival.frames.toString()}`);
        if (arrival === undefined) [a, b].forEach((socket) => socket.close());
      }
    } finally {
      [a, b, toA, toB].forEach((socket) => socket.closed || socket.close());
    }
    expect(seen.slice(0, 2).sort()).toEqual(["0: from a", "1: from b"]);
    expect(seen.slice(2)).toEqual([undefined]);
  });

  it("reads a socket pushed to a GrowingList while it waits, under the socket's place in the list", async () => {
    const id = Math.random().toString(36).slice(2);
    const [a, b] = [new zmq.Pull(), new zmq.Pull()];
    const toB = new zmq.Push();
    const list = new GrowingList<zmq.Pull>();
    list.push(a);
    const seen: string[] = [];
    try {
      await b.bind(`inproc://late-${id}`);
      toB.connect(`inproc://late-${id}`);
      await toB.send("from b");
      const reading = (async () => {
        for await (const arrival of receiveAny(list)) {
          seen.push(`${arrival!.index}: ${arrival!.frames.toString()}`);
          [a, b].forEach((socket) => socket.close());
        }
      })();
      list.push(b);
      await reading;
    } finally {
      [a, b, toB].forEach((socket) => socket.closed || socket.close());
    }
    expect(seen).toEqual(["1: from b"]);
  });
});
