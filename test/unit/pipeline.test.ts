import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { keepRedispatching, Ledger } from "../../services/runtime/ledger.js";
import { ranges } from "../../services/runtime/ranges.js";
import { burnCpu, mulberry32 } from "../../services/runtime/work.js";
import { memoryLog } from "../helpers/memory-log.js";
import {
  DONE_TOPIC,
  encodeBatchStart,
  encodeDone,
  encodeRedispatch,
  encodeResult,
  encodeStop,
  encodeTask,
  parseBatchNews,
  parseDone,
  parseResult,
  parseStop,
  parseTask,
  STOP_TOPIC,
  type Result,
  makeBatch,
  MAX_NUM,
} from "../../services/pipeline/wire.js";
import { report, Tally } from "../../services/pipeline/report.js";

const frame = (text: string) => [Buffer.from(text)];
const result = (consumer: string, num: number, task?: number): Result => (task === undefined ? { consumer, num } : { consumer, num, task });

describe("pipeline messages", () => {
  it("round-trips tasks, results, batch starts and stops", () => {
    expect(encodeTask({ num: 7, task: 12 })).toBe('{"num":7,"task":12}');
    expect(parseTask(frame(encodeTask({ num: 7, task: 12 })))).toEqual({ ok: true, value: { num: 7, task: 12 } });
    expect(parseResult(frame(encodeResult(result("c1", 7, 12))))).toEqual({ ok: true, value: { consumer: "c1", num: 7, task: 12 } });
    expect(encodeBatchStart({ tasks: 100, total: 512 }, 2)).toBe('{"batch":{"tasks":100,"total":512},"epoch":2}');
    expect(parseBatchNews(frame(encodeBatchStart({ tasks: 100, total: 512 }, 2)))).toEqual({
      ok: true,
      value: { kind: "batch", batch: { tasks: 100, total: 512 }, epoch: 2 },
    });
    expect(parseStop(frame(encodeStop("batch complete")))).toBe("batch complete");
  });

  it("accepts the tutorial's formats: no task id, a numeric consumer id", () => {
    expect(parseTask(frame('{"num": 3}'))).toEqual({ ok: true, value: { num: 3 } });
    expect(parseResult(frame('{"consumer": 4242, "num": 3}'))).toEqual({ ok: true, value: { consumer: "4242", num: 3 } });
  });

  it("keeps the results port to results: a batch start or a notice there is rejected", () => {
    for (const text of [encodeBatchStart({ tasks: 1, total: 1 }, 1), encodeRedispatch([1])]) {
      expect(parseResult(frame(text))).toEqual({ ok: false, reason: '"consumer" is not an id: missing' });
    }
    expect(parseBatchNews(frame(encodeResult(result("c1", 7, 12))))).toMatchObject({ ok: false, reason: expect.stringMatching(/^neither a batch start nor a re-dispatch notice: /) });
  });

  it.each([
    ["an empty frame", [Buffer.alloc(0)], /^empty frame$/],
    ["no frames", [], /^no frames$/],
    ["multipart garbage", [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")], /^multipart message of 3 frames$/],
    ["bad JSON", frame("{num: 3"), /^not JSON: "\{num: 3"$/],
    ["a JSON array", frame("[1,2]"), /^not a JSON object/],
    ["a JSON string", frame('"hello"'), /^not a JSON object/],
    ["a non-numeric num", frame('{"consumer": "c1", "num": "7"}'), /^"num" is not an integer: "7"$/],
    ["a fractional num", frame('{"consumer": "c1", "num": 1.5}'), /^"num" is not an integer: 1.5$/],
    ["a missing num", frame('{"consumer": "c1"}'), /^"num" is not an integer: missing$/],
    ["a missing consumer", frame('{"num": 7}'), /^"consumer" is not an id: missing$/],
    ["an empty consumer", frame('{"consumer": "", "num": 7}'), /^"consumer" is not an id: ""$/],
    ["an object as consumer", frame('{"consumer": {}, "num": 7}'), /^"consumer" is not an id: \{\}$/],
    ["a negative task id", frame('{"consumer": "c1", "num": 7, "task": -1}'), /^"task" is not a task id: -1$/],
  ])("rejects %s as a result, saying why", (_, frames, reason) => {
    const parsed = parseResult(frames);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it.each([
    ["a batch start without a total", frame('{"batch": {"tasks": 10}, "epoch": 1}'), /^malformed batch start/],
    ["a batch start of 0 tasks", frame('{"batch": {"tasks": 0, "total": 0}, "epoch": 1}'), /^malformed batch start/],
    ["a null batch start", frame('{"batch": null, "epoch": 1}'), /^malformed batch start/],
    ["a batch start without an epoch", frame('{"batch": {"tasks": 10, "total": 3}}'), /^batch start without an epoch: missing$/],
    ["a batch start with a bad epoch", frame('{"batch": {"tasks": 10, "total": 3}, "epoch": -2}'), /^batch start without an epoch: -2$/],
    ["bad JSON", frame("{num: 3"), /^not JSON: /],
  ])("rejects %s on the batch port, saying why", (_, frames, reason) => {
    const parsed = parseBatchNews(frames);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it("round-trips re-dispatch notices and confirmations; each control message starts with its SUB topic", () => {
    expect(parseBatchNews(frame(encodeRedispatch([4, 7])))).toEqual({ ok: true, value: { kind: "redispatch", tasks: [4, 7] } });
    expect(parseDone(frame(encodeDone(12, 3)))).toEqual({ task: 12, epoch: 3 });
    // Before its first batch start the collector has no epoch to give.
    expect(parseDone(frame(encodeDone(12)))).toEqual({ task: 12 });
    expect(encodeDone(12, 1).startsWith(DONE_TOPIC)).toBe(true);
    expect(encodeStop("batch complete").startsWith(STOP_TOPIC)).toBe(true);
    expect(parseDone(frame(encodeStop("x")))).toBeUndefined();
    expect(parseStop(frame(encodeDone(1)))).toBeUndefined();
    for (const bad of ['{"done": -1}', '{"done": "3"}', '{"done": 1.5}', "done 3", ""]) expect(parseDone(frame(bad))).toBeUndefined();
    for (const bad of ['{"redispatch": 3}', '{"redispatch": [1, "x"]}', '{"redispatch": [-1]}', '{"redispatch": null}']) {
      const parsed = parseBatchNews(frame(bad));
      expect(parsed.ok ? parsed : parsed.reason).toMatch(/^malformed re-dispatch notice/);
    }
  });

  it("cuts a long payload short in the reason", () => {
    const parsed = parseResult(frame("x".repeat(500)));
    // The runtime's preview: quoted, cut short.
    expect(parsed.ok ? parsed : parsed.reason).toMatch(/^not JSON: "x{40,}(\.\.\.|…)$/);
    expect(parsed.ok ? "" : parsed.reason.length).toBeLessThan(100);
  });

  it("rejects malformed tasks and ignores control messages that are not a stop", () => {
    expect(parseTask(frame('{"num": null}')).ok).toBe(false);
    expect(parseTask(frame("7")).ok).toBe(false);
    expect(parseStop(frame("KILL"))).toBeUndefined();
    expect(parseStop(frame('{"stop": 1}'))).toBeUndefined();
  });
});

describe("Tally", () => {
  it("keeps each consumer's count and partial sum, adding up to the grand total", () => {
    const tally = new Tally();
    tally.announce({ tasks: 5, total: 21 });
    [result("b", 4, 0), result("a", 10, 1), result("b", 0, 2), result("c", 5, 3), result("a", 2, 4)].forEach((r) => tally.add(r));
    expect(tally.consumers()).toEqual([
      { consumer: "a", count: 2, sum: 12 },
      { consumer: "b", count: 2, sum: 4 },
      { consumer: "c", count: 1, sum: 5 },
    ]);
    expect([tally.count, tally.sum, tally.complete]).toEqual([5, 21, true]);
    expect(tally.problems()).toEqual([]);
  });

  it("counts results that arrive before the batch start", () => {
    const tally = new Tally();
    tally.add(result("a", 3, 0));
    expect(tally.complete).toBe(false);
    expect(tally.problems()).toEqual(["no batch start from the producer; 1 results, sum 3"]);
    tally.announce({ tasks: 2, total: 7 });
    expect(tally.complete).toBe(false);
    tally.add(result("b", 4, 1));
    expect(tally.complete).toBe(true);
    expect(tally.problems()).toEqual([]);
  });

  it("counts a repeated task id once and keeps it out of every sum", () => {
    const tally = new Tally();
    tally.announce({ tasks: 2, total: 5 });
    expect(tally.add(result("a", 2, 0))).toBe("counted");
    expect(tally.add(result("b", 2, 0))).toBe("duplicate");
    expect(tally.add(result("b", 3, 1))).toBe("counted");
    expect([tally.count, tally.sum, tally.duplicates]).toEqual([2, 5, 1]);
    expect(tally.consumers()).toEqual([
      { consumer: "a", count: 1, sum: 2 },
      { consumer: "b", count: 1, sum: 3 },
    ]);
  });

  it("keeps rejected messages out of counts and sums", () => {
    const tally = new Tally();
    tally.announce({ tasks: 1, total: 4 });
    tally.reject();
    tally.reject();
    tally.add(result("a", 4, 0));
    expect([tally.count, tally.sum, tally.rejected]).toEqual([1, 4, 2]);
    expect(tally.problems()).toEqual([]);
    expect(report(tally).at(-1)).toBe("ignored: 2 rejected, 0 duplicates");
  });

  it("names the missing tasks and the sum gap when results are short", () => {
    const tally = new Tally();
    tally.announce({ tasks: 10, total: 50 });
    [0, 1, 2, 5, 9].forEach((task) => tally.add(result("a", 5, task)));
    expect(tally.missingTasks()).toEqual([3, 4, 6, 7, 8]);
    expect(tally.problems()).toEqual(["missing 5 of 10 results: tasks 3-4, 6-8", "sum 25 differs from the announced total 50"]);
  });

  it("says when the count matches but the sum does not, or results exceed the batch", () => {
    const wrongSum = new Tally();
    wrongSum.announce({ tasks: 2, total: 10 });
    wrongSum.add(result("a", 3, 0));
    wrongSum.add(result("a", 3, 1));
    expect(wrongSum.problems()).toEqual(["sum 6 differs from the announced total 10"]);

    // Results from tutorial consumers carry no task id, so extras cannot be told apart.
    const extra = new Tally();
    extra.announce({ tasks: 1, total: 1 });
    extra.add(result("a", 1));
    extra.add(result("a", 1));
    expect(extra.problems()).toEqual(["1 results more than the 1 announced", "sum 2 differs from the announced total 1"]);
  });

  it("leaves out task ids it cannot know, when some results carried none", () => {
    const tally = new Tally();
    tally.announce({ tasks: 3, total: 3 });
    tally.add(result("a", 1));
    expect(tally.problems()[0]).toBe("missing 2 of 3 results");
  });

  it("reports a table of consumer, count, partial sum and share, then the grand total", () => {
    const tally = new Tally();
    tally.announce({ tasks: 3, total: 8 });
    [result("long-consumer", 6, 0), result("b", 2, 1), result("b", 0, 2)].forEach((r) => tally.add(r));
    expect(report(tally)).toEqual([
      "consumer       count  partial sum  share of total",
      "-------------  -----  -----------  --------------",
      "b              2      2            25.0%",
      "long-consumer  1      6            75.0%",
      "total: 3 tasks, sum 8 from 2 consumers (announced 3 tasks, total 8)",
      "ignored: 0 rejected, 0 duplicates",
    ]);
  });

  it("adds a re-dispatch line, only when the producer re-dispatched, and still counts each task once", () => {
    const tally = new Tally();
    tally.announce({ tasks: 3, total: 6 });
    tally.add(result("a", 1, 0));
    expect(report(tally)).not.toContainEqual(expect.stringMatching(/^re-dispatched/));
    tally.redispatch([1, 2]);
    tally.redispatch([2]);
    [result("b", 2, 1), result("b", 3, 2), result("c", 3, 2)].forEach((r) => tally.add(r));
    expect([tally.count, tally.sum, tally.duplicates, tally.problems()]).toEqual([3, 6, 1, []]);
    expect(report(tally).slice(-2)).toEqual(["re-dispatched by the producer: 2 tasks (1-2)", "ignored: 0 rejected, 1 duplicates"]);
  });

  it("shows no share when the total is 0", () => {
    const tally = new Tally();
    tally.add(result("a", 0, 0));
    expect(report(tally)[2]).toBe("a         1      0            -");
    expect(report(tally)[3]).toBe("total: 1 task, sum 0 from 1 consumer (no batch start)");
  });
});

describe("Ledger (the producer's re-dispatch bookkeeping)", () => {
  const sendAll = (ledger: Ledger, count: number, now: number) => {
    for (let task = 0; task < count; task++) ledger.sent({ num: task % 11, task }, now);
  };

  it("re-dispatches nothing while confirmations keep coming, however old the open tasks are", () => {
    const ledger = new Ledger(1000);
    sendAll(ledger, 10, 0);
    // One confirmation every 900 ms: each restarts the quiet period, so task 9 waits 8 s unsent.
    for (let task = 0; task < 9; task++) {
      expect(ledger.due(900 * task + 899)).toEqual([]);
      expect(ledger.done(task, 900 * task + 900)).toBe(true);
    }
    expect(ledger.wait(8100)).toBe(1000);
    expect([ledger.outstanding, ledger.rounds, ledger.redispatched.size]).toEqual([1, 0, 0]);
  });

  it("hands back every open task once nothing was sent or confirmed for the quiet period", () => {
    const ledger = new Ledger(500);
    sendAll(ledger, 6, 0);
    [0, 2, 3].forEach((task) => ledger.done(task, 100));
    expect(ledger.due(599)).toEqual([]);
    expect(ledger.wait(599)).toBe(1);
    expect(ledger.due(600)).toEqual([
      { num: 1, task: 1 },
      { num: 4, task: 4 },
      { num: 5, task: 5 },
    ]);
    expect([ledger.rounds, [...ledger.redispatched]]).toEqual([1, [1, 4, 5]]);
    // Sending them again restarts the clock; a second loss means a second round.
    [1, 4, 5].forEach((task) => ledger.sent({ num: task, task }, 700));
    ledger.done(4, 800);
    expect(ledger.due(1299)).toEqual([]);
    expect(ledger.due(1300).map(({ task }) => task)).toEqual([1, 5]);
    expect([ledger.rounds, ledger.redispatched.size]).toEqual([2, 3]);
  });

  it("ignores confirmations of tasks it does not hold, and has nothing due when all are confirmed", () => {
    const ledger = new Ledger(100);
    sendAll(ledger, 2, 0);
    expect(ledger.done(0, 50)).toBe(true);
    // A duplicate's confirmation, or one from an earlier batch: no progress.
    expect(ledger.done(0, 140)).toBe(false);
    expect(ledger.done(99, 140)).toBe(false);
    expect(ledger.due(150).map(({ task }) => task)).toEqual([1]);
    ledger.done(1, 160);
    expect(ledger.due(10_000)).toEqual([]);
    expect(ledger.outstanding).toBe(0);
  });

  it("opens every task sent again for a new collector, and counts what was confirmed", () => {
    const ledger = new Ledger(100);
    sendAll(ledger, 4, 0);
    [0, 1, 3].forEach((task) => ledger.done(task, 10));
    expect([ledger.outstanding, ledger.confirmed]).toEqual([1, 3]);
    ledger.reopen(500);
    expect([ledger.outstanding, ledger.confirmed]).toEqual([4, 0]);
    // The reopen starts a quiet period of its own: the new collector gets time to confirm.
    expect(ledger.due(599)).toEqual([]);
    ledger.done(2, 550);
    expect(ledger.due(650).map(({ task }) => task)).toEqual([0, 1, 3]);
  });

  it("re-sends over real sockets: a notice to the collector first, then the open tasks", async () => {
    const id = Math.random().toString(36).slice(2);
    const [tasksOut, tasksIn] = [new zmq.Push(), new zmq.Pull()];
    await tasksIn.bind(`inproc://tasks-${id}`);
    tasksOut.connect(`inproc://tasks-${id}`);
    const notices: number[][] = [];
    let attached = false;
    const warnings: string[] = [];
    // keepRedispatching only warns.
    const log = memoryLog(warnings);
    const ledger = new Ledger(30, "REDISPATCH_MS");
    const controller = new AbortController();
    try {
      sendAll(ledger, 3, performance.now());
      ledger.done(1, performance.now());
      const to = { send: (task: { num: number; task: number }) => tasksOut.send(encodeTask(task)), notify: (ids: number[]) => notices.push(ids), collectorAttached: () => attached };
      const loop = keepRedispatching(ledger, to, log, controller.signal);
      // Nothing goes again while no collector is there to confirm it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect([notices, ledger.rounds]).toEqual([[], 0]);
      attached = true;
      const resent = [await tasksIn.receive(), await tasksIn.receive()].map((frames) => parseTask(frames));
      expect(resent).toEqual([
        { ok: true, value: { num: 0, task: 0 } },
        { ok: true, value: { num: 2, task: 2 } },
      ]);
      expect(notices).toEqual([[0, 2]]);
      ledger.done(0, performance.now());
      ledger.done(2, performance.now());
      controller.abort();
      await loop;
      expect(warnings).toEqual(["no result for 30 ms (REDISPATCH_MS) with 2 tasks open; re-dispatching tasks 0, 2"]);
    } finally {
      [tasksOut, tasksIn].forEach((socket) => socket.close());
    }
  });
});

describe("ranges", () => {
  it("compacts ids into ranges and cuts long lists short", () => {
    expect(ranges([])).toBe("");
    expect(ranges([7, 1, 2, 3, 9, 10])).toBe("1-3, 7, 9-10");
    expect(ranges([0, 2, 4, 6], 2)).toBe("0, 2, ... (2 more ranges)");
  });
});

describe("work", () => {
  it("makes the same batch from the same seed, numbers from 0 to 10, with their total", () => {
    const batch = makeBatch(1000, 42);
    expect(makeBatch(1000, 42)).toEqual(batch);
    expect(makeBatch(1000, 43).nums).not.toEqual(batch.nums);
    expect(batch.nums.every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_NUM)).toBe(true);
    expect(new Set(batch.nums).size).toBe(MAX_NUM + 1);
    expect(batch.total).toBe(batch.nums.reduce((a, b) => a + b, 0));
  });

  it("generates uniform values in [0, 1) from any 32-bit seed", () => {
    for (const seed of [0, 1, 2 ** 32 - 1]) {
      const random = mulberry32(seed);
      const values = Array.from({ length: 10_000 }, random);
      expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(mean).toBeGreaterThan(0.45);
      expect(mean).toBeLessThan(0.55);
    }
  });

  it("burns CPU at any cost including 0, and stops early when aborted", async () => {
    await expect(burnCpu(0)).resolves.toBeUndefined();
    await expect(burnCpu(10)).resolves.toBeUndefined();
    const controller = new AbortController();
    const long = burnCpu(10_000_000, controller.signal);
    controller.abort();
    await expect(long).resolves.toBeUndefined();
  });
});
