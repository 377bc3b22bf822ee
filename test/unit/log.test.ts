import { describe, expect, it } from "vitest";
import { loadConfig } from "../../services/runtime/config.js";
import { createLog, logSpec, resultOf, shown, type LogOptions } from "../../services/runtime/log.js";
import { clip, escapeText } from "../../services/runtime/sanitize.js";

const capture = (options: LogOptions = {}) => {
  const lines: string[] = [];
  const log = createLog("collector", "abc123", { ...options, write: (line) => lines.push(...line.split("\n")) });
  return { log, lines };
};

describe("createLog", () => {
  it("prefixes every line with role@host and the level, all on one stream in the order logged", () => {
    const { log, lines } = capture();

    log.info("ready: bound tcp://*:5558");
    log.warn("rejected message 1: empty frame");
    log.error("Error: boom");
    log.notice("verdict: FAIL");

    expect(lines).toEqual([
      "collector@abc123 ready: bound tcp://*:5558",
      "collector@abc123 WARN rejected message 1: empty frame",
      "collector@abc123 ERROR Error: boom",
      "collector@abc123 verdict: FAIL",
    ]);
  });

  it("LOG_LEVEL=warn keeps warnings, errors and notices; error keeps errors and notices", () => {
    const warn = capture({ level: "warn" });
    const error = capture({ level: "error" });
    for (const { log } of [warn, error]) {
      log.each("result 1/1");
      log.info("batch start");
      log.warn("rejected message 1");
      log.error("missing 1 of 2 results");
      log.notice("verdict: FAIL");
    }
    expect(warn.lines).toEqual([
      "collector@abc123 WARN rejected message 1",
      "collector@abc123 ERROR missing 1 of 2 results",
      "collector@abc123 verdict: FAIL",
    ]);
    expect(error.lines).toEqual(["collector@abc123 ERROR missing 1 of 2 results", "collector@abc123 verdict: FAIL"]);
  });
});

describe("LOG_EVERY", () => {
  const linesFor = (messages: number, every: LogOptions["every"]) => {
    const { log, lines } = capture({ every });
    for (let n = 1; n <= messages; n++) log.each(`result ${n}/${messages}`);
    log.notice("verdict: PASS");
    return lines;
  };

  it("auto logs every message of a small batch", () => {
    const lines = linesFor(100, "auto");
    expect(lines).toHaveLength(101);
    expect(lines.at(-2)).toBe("collector@abc123 result 100/100");
  });

  it("auto keeps a million messages to a few hundred lines, says when it thins out, and the report stays last", () => {
    const lines = linesFor(1_000_000, "auto");
    // 100 in full, then 90 in each of 4 decades (1 in 10 up to 1 000, 1 in 100 up to 10 000...), a note per decade, the verdict.
    expect(lines).toHaveLength(100 + 4 * 90 + 4 + 1);
    expect(lines).toContain("collector@abc123 (LOG_EVERY=auto: from message 101 on, 1 message in 10 is logged; LOG_EVERY=1 logs all)");
    expect(lines).toContain("collector@abc123 result 110/1000000");
    expect(lines).not.toContain("collector@abc123 result 101/1000000");
    expect(lines).toContain("collector@abc123 result 1000000/1000000");
    expect(lines.at(-1)).toBe("collector@abc123 verdict: PASS");
  });

  it("a number logs the first message and one in every n", () => {
    expect(linesFor(10, 1)).toHaveLength(11);
    const lines = linesFor(1000, 250);
    expect(lines).toEqual([
      "collector@abc123 (LOG_EVERY=250: from message 1 on, 1 message in 250 is logged; LOG_EVERY=1 logs all)",
      ...[1, 250, 500, 750, 1000].map((n) => `collector@abc123 result ${n}/1000`),
      "collector@abc123 verdict: PASS",
    ]);
    expect([1, 2, 99, 100, 101, 110, 1000, 1010, 1100].filter((n) => shown(n, "auto"))).toEqual([1, 2, 99, 100, 110, 1000, 1100]);
  });

  it("writes one JSON object per line under LOG_FORMAT=json, and RESULT in both formats reads back the same", () => {
    const human: string[] = [];
    const json: string[] = [];
    const fields = { verdict: "PASS", total: 12, perConsumer: { "consumer-1": { count: 3, sum: 12 } } };
    createLog("collector", "collector-1", { write: (l) => human.push(l) }).result(fields);
    const log = createLog("collector", "collector-1", { format: "json", write: (l) => json.push(l) });
    log.warn("late result");
    log.result(fields);
    expect(human).toEqual([`RESULT {"role":"collector","replica":"collector-1","verdict":"PASS","total":12,"perConsumer":{"consumer-1":{"count":3,"sum":12}}}`]);
    expect(JSON.parse(json[0]!)).toMatchObject({ level: "warn", role: "collector", replica: "collector-1", msg: "late result" });
    expect(Date.parse(JSON.parse(json[0]!).time)).not.toBeNaN();
    expect(resultOf(json)).toEqual(resultOf(human));
    expect(resultOf(["collector@x verdict: PASS"])).toBeUndefined();
    expect(() => resultOf([...human, ...human])).toThrow("2 RESULT lines, expected one");
  });

  it("prefixes human lines with an ISO time under LOG_TIME=on", () => {
    const lines: string[] = [];
    createLog("pair-server", "pair-server", { time: true, write: (l) => lines.push(l) }).info("ready");
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pair-server@pair-server ready$/);
  });

  it("is validated like every variable: auto or 1 to 1000000, and LOG_LEVEL one of its words", () => {
    expect({ ...loadConfig(logSpec, {}) }).toEqual({ LOG_LEVEL: "info", LOG_EVERY: "auto", LOG_FORMAT: "human", LOG_TIME: "off" });
    expect({ ...loadConfig(logSpec, { LOG_EVERY: "50", LOG_LEVEL: "warn" }) }).toMatchObject({ LOG_LEVEL: "warn", LOG_EVERY: 50 });
    expect(() => loadConfig(logSpec, { LOG_EVERY: "0", LOG_LEVEL: "loud" })).toThrow(
      'invalid configuration: LOG_LEVEL: expected one of info, warn, error, got "loud"; LOG_EVERY: expected auto or an integer from 1 to 1000000, got "0"',
    );
  });
});

describe("text from the wire in a log line", () => {
  it.each([
    ["a newline, a return and a tab", "a\nb\r\tc", "a\\nb\\r\\tc"],
    ["an ANSI colour", "\u001b[31mred", "\\x1b[31mred"],
    ["NUL, DEL and an 8-bit CSI", "\u0000\u007f\u009b", "\\x00\\x7f\\x9b"],
    ["a Unicode line separator", "a\u2028b", "a\\u2028b"],
    ["plain text, accents and symbols", "plain, ü and °", "plain, ü and °"],
  ])("shows %s escaped, so a message is always one line", (_, text, shown) => {
    expect(escapeText(text)).toBe(shown);
  });

  it.each([
    ["short", 40, "short"],
    ["x".repeat(100), 40, `${"x".repeat(39)}…`],
    ["a\nb", 3, "a\\…"],
  ])("clips %j to %i characters after escaping", (text, max, shown) => {
    expect(clip(text, max)).toBe(shown);
  });

  it("no message can print a line that looks like a verdict or a RESULT", () => {
    const { log, lines } = capture();
    const hostile = "x\ncollector@abc123 verdict: PASS\nRESULT {\"verdict\":\"PASS\"}\r\u001b[2K";
    log.info(`result 1/1 from ${hostile}`);
    log.warn(hostile);
    log.notice(hostile);
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.startsWith("collector@abc123 "))).toBe(true);
    expect(lines[0]).toBe('collector@abc123 result 1/1 from x\\ncollector@abc123 verdict: PASS\\nRESULT {"verdict":"PASS"}\\r\\x1b[2K');
    expect(resultOf(lines)).toBeUndefined();
  });

  it("RESULT keeps a long id whole, escaped as JSON", () => {
    const { log, lines } = capture();
    const id = `${"y".repeat(60)}\u001b`;
    log.result({ clients: { [id]: 1 } });
    expect(lines).toHaveLength(1);
    expect(resultOf(lines)).toMatchObject({ clients: { [id]: 1 } });
  });
});
