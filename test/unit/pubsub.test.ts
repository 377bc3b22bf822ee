import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../services/runtime/config.js";
import { roleId } from "../../services/runtime/config.js";
import { describeUpdate, formatAverage, publisherNames, SentCounter, WeatherReport } from "../../services/pubsub/report.js";
import {
  countTopic,
  formatCount,
  formatUpdate,
  formatZip,
  parseCount,
  parseMessage,
  parseUpdate,
  pubRate,
  TEMP_MAX,
  TEMP_MIN,
  topic,
  UpdateFeed,
  zipCode,
  zipRange,
  type Update,
} from "../../services/pubsub/wire.js";

/** ZeroMQ's SUB filter: a message passes when it starts with the subscribed bytes. */
const passesFilter = (message: string, prefix: string) => Buffer.from(message).subarray(0, Buffer.byteLength(prefix)).equals(Buffer.from(prefix));

describe("weather format", () => {
  it("is exactly the tutorial's two fields: zip zero-padded to 5 digits, a space, the temperature", () => {
    expect(formatZip(42)).toBe("00042");
    expect(formatZip(10001)).toBe("10001");
    expect(formatUpdate({ zip: "10001", temp: -7 })).toBe("10001 -7");
    expect(formatUpdate({ zip: "00042", temp: 0 })).toBe("00042 0");
    // The tutorial's subscriber: `topic, messagedata = string.split()`, then `int(messagedata)`.
    const feed = new UpdateFeed({ min: 0, max: 99_999 });
    for (let i = 0; i < 200; i++) {
      const fields = feed.next().split(" ");
      expect(fields).toHaveLength(2);
      expect(String(Number.parseInt(fields[1]!, 10))).toBe(fields[1]);
    }
  });

  it("round-trips through parse", () => {
    const update: Update = { zip: "00042", temp: 135 };
    expect(parseUpdate(formatUpdate(update))).toEqual({ ok: true, value: update });
  });

  it("draws zips from the range and temps from -80..135, reaching both ends", () => {
    for (const r of [0, 0.999999]) {
      const update = parseUpdate(new UpdateFeed({ min: 10000, max: 10019 }, () => r).next());
      expect(update).toEqual({ ok: true, value: r === 0 ? { zip: "10000", temp: TEMP_MIN } : { zip: "10019", temp: TEMP_MAX } });
    }
    const feed = new UpdateFeed({ min: 5, max: 7 });
    for (let i = 0; i < 1000; i++) {
      const parsed = parseUpdate(feed.next());
      if (!parsed.ok) throw new Error(parsed.reason);
      const { zip, temp } = parsed.value;
      expect(["00005", "00006", "00007"]).toContain(zip);
      expect(Number.isInteger(temp) && temp >= TEMP_MIN && temp <= TEMP_MAX).toBe(true);
    }
  });

  it("counts what it sent per zip, and reports each zip updated since the last report once", () => {
    // Draws alternate zip, temp: zips 10001, 10001, 10003, then 10001 again after a report.
    const draws = [0.4, 0.5, 0.4, 0.5, 0.9, 0.5, 0.4, 0.5];
    const feed = new UpdateFeed({ min: 10000, max: 10004 }, () => draws.shift()!);
    const sent = [feed.next(), feed.next(), feed.next()];
    expect(sent.map((text) => text.split(" ")[0])).toEqual(["10002", "10002", "10004"]);
    expect(feed.countMessages("pub-1")).toEqual(["#sent 10002 pub-1 2", "#sent 10004 pub-1 1"]);
    expect(feed.countMessages("pub-1")).toEqual([]);
    feed.next();
    expect(feed.countMessages("pub-1").map((text) => parseCount(text))).toEqual([{ ok: true, value: { zip: "10002", publisher: "pub-1", count: 3 } }]);
  });

  it("filters by the zip and a space, so a prefix of another zip never matches", () => {
    const prefix = topic("10001");
    expect(prefix).toBe("10001 ");
    expect(passesFilter("10001 57", prefix)).toBe(true);
    expect(passesFilter("100012 57", prefix)).toBe(false);
    expect(passesFilter("10001-57", prefix)).toBe(false);
    // Without padding zip 1 would be "1 ..." and a filter "1" would also take 12, 100, 10001...
    expect(passesFilter(formatUpdate({ zip: formatZip(12), temp: 3 }), topic(formatZip(1)))).toBe(false);
  });

  it("keeps the count stream away from every zip filter, the tutorial's bare '10001' included", () => {
    const count = formatCount({ zip: "10001", publisher: "weather-pub-1", count: 153 });
    expect(count).toBe("#sent 10001 weather-pub-1 153");
    for (const prefix of ["10001", topic("10001"), "1", "#sent 10002 "]) expect(passesFilter(count, prefix)).toBe(false);
    expect(passesFilter(count, countTopic("10001"))).toBe(true);
    expect(passesFilter(formatCount({ zip: "10001", publisher: "p", count: 1 }), countTopic("1000"))).toBe(false);
  });
});

describe("parsing", () => {
  it("reads the first two fields and tolerates extras", () => {
    expect(parseUpdate("10001 57")).toEqual({ ok: true, value: { zip: "10001", temp: 57 } });
    expect(parseUpdate("10001 57 42", "10001")).toEqual({ ok: true, value: { zip: "10001", temp: 57 } });
    expect(parseUpdate("10001 -80")).toMatchObject({ ok: true, value: { temp: -80 } });
  });

  it.each([
    ["", /got 1 field/],
    ["10001", /got 1 field/],
    ["1001 57", /zip "1001" is not 5 digits/],
    ["100012 57", /zip "100012" is not 5 digits/],
    ["1000a 57", /not 5 digits/],
    ["10002 57", /zip 10002 is not the filtered 10001/],
    ["10001 warm", /temp "warm" is not an integer/],
    ["10001 5.5", /not an integer/],
    ["10001 +5", /not an integer/],
    ["10001 136", /temp 136 is outside -80..135/],
    ["10001 -81", /outside/],
  ])("rejects the update %j", (text, reason) => {
    const parsed = parseUpdate(text, "10001");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it("tells updates and counts apart, one frame of UTF-8 each", () => {
    expect(parseMessage([Buffer.from("10001 57")], "10001")).toEqual({ ok: true, value: { update: { zip: "10001", temp: 57 } } });
    expect(parseMessage([Buffer.from("#sent 10001 weather-pub-2 9")], "10001")).toEqual({ ok: true, value: { sent: { zip: "10001", publisher: "weather-pub-2", count: 9 } } });
    expect(parseMessage([Buffer.from("10001"), Buffer.from("57")], "10001")).toEqual({ ok: false, reason: "expected 1 frame, got 2" });
    expect(parseMessage([], "10001")).toEqual({ ok: false, reason: "expected 1 frame, got 0" });
    expect(parseMessage([Buffer.from([0xff, 0xfe, 0x20, 0x35])], "10001")).toEqual({ ok: false, reason: "not UTF-8 text" });
  });

  it.each([
    ["#sent 10001 p", /malformed count/],
    ["#sent 10001 p -3", /malformed count/],
    ["#sent 10001 p 3 extra", /malformed count/],
    ["#sent 1001 p 3", /malformed count/],
    ["#sent 10002 p 3", /count for zip 10002, not the filtered 10001/],
    ["#sent 10001 p\u001b[31m 3", /malformed count "#sent 10001 p\\x1b\[31m 3"/],
    [`#sent 10001 ${"p".repeat(65)} 3`, /malformed count "#sent 10001 p+…"/],
  ])("rejects the count %j", (text, reason) => {
    const parsed = parseCount(text, "10001");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it("describes an update for the log, with its number in the publisher's count when known", () => {
    expect(describeUpdate({ zip: "10001", temp: -7 }, "weather-pub-1", 12)).toBe("10001 -7 from weather-pub-1 #12");
    expect(describeUpdate({ zip: "10001", temp: 5 }, "tutorial-pub")).toBe("10001 5 from tutorial-pub");
  });

  it("names publishers by host, with the port only when hosts repeat", () => {
    expect(publisherNames(["tcp://weather-pub-1:5556", "tcp://weather-pub-2:5556"])).toEqual(["weather-pub-1", "weather-pub-2"]);
    expect(publisherNames(["tcp://localhost:5556", "tcp://localhost:5566", "tcp://pub:1"])).toEqual(["localhost:5556", "localhost:5566", "pub"]);
  });
});

describe("SentCounter", () => {
  it("numbers updates from the first count on and finds drops between two counts", () => {
    const counter = new SentCounter();
    expect(counter.update()).toBeUndefined();
    expect(counter.sent(10)).toBe(0);
    expect([counter.update(), counter.update(), counter.update()]).toEqual([11, 12, 13]);
    expect(counter.sent(13)).toBe(0);
    counter.update();
    expect(counter.sent(17)).toBe(3);
    expect(counter).toMatchObject({ checked: 7, dropped: 3, counting: true });
  });

  it("counts what was sent while the connection was down as lost", () => {
    const counter = new SentCounter();
    counter.sent(50);
    counter.update();
    counter.lost();
    expect(counter.update()).toBeUndefined();
    expect(counter.sent(60)).toBe(8);
    expect(counter).toMatchObject({ checked: 10, dropped: 8, outages: 1 });
  });

  it("starts again at a count that went back (a restarted publisher)", () => {
    const counter = new SentCounter();
    counter.sent(50);
    counter.update();
    counter.lost();
    expect(counter.sent(2)).toBe(0);
    expect(counter.update()).toBe(3);
    expect(counter.sent(1)).toBe(0);
    expect(counter.update()).toBe(2);
    expect(counter).toMatchObject({ checked: 0, dropped: 0 });
  });
});

describe("WeatherReport", () => {
  const feed = (report: WeatherReport, messages: Array<[string, string]>) => {
    for (const [publisher, text] of messages) {
      const parsed = parseMessage([Buffer.from(text)], report.zip);
      if (!parsed.ok) report.reject();
      else if ("sent" in parsed.value) report.sent(publisher, parsed.value.sent.count);
      else report.add(publisher, parsed.value.update);
    }
  };

  it("counts, averages and bounds per publisher and overall, with the drops its count stream shows", () => {
    const report = new WeatherReport("10001", ["b", "a"]);
    feed(report, [
      ["b", "#sent 10001 b 4"],
      ["b", "10001 10"],
      ["a", "10001 -80"],
      ["a", "10001 135"],
      ["b", "10001 0"],
      ["b", "10001 1"],
      ["b", "#sent 10001 b 8"],
    ]);
    expect(report.lines()).toEqual([
      "report: 5 updates for zip 10001 from 2 publisher(s), 0 rejected",
      "zip    publisher  updates  checked  lost  avg °F  min  max",
      "-----  ---------  -------  -------  ----  ------  ---  ---",
      "10001  a          2        -        -     27.50   -80  135",
      "10001  b          3        4        1     3.67    0    10",
      "10001  all        5        4        1     13.20   -80  135",
      "lost: 1 of 4 updates the publishers' count streams accounted for",
    ]);
    // The RESULT carries the table's figures, a missing figure as null where the table shows "-".
    expect(report.count).toBe(5);
    expect(report.result()).toEqual({
      zip: "10001",
      updates: 5,
      mean: 13.2,
      min: -80,
      max: 135,
      checked: 4,
      dropped: 1,
      rejected: 0,
      publishers: {
        a: { updates: 2, mean: 27.5, min: -80, max: 135, checked: null, dropped: null },
        b: { updates: 3, mean: 3.67, min: 0, max: 10, checked: 4, dropped: 1 },
      },
    });
  });

  it("counts malformed messages as rejected and keeps them out of every figure", () => {
    const report = new WeatherReport("10001", ["a"]);
    const texts = ["10001 20", "10001 999", "10002 -50", "10001 hot", "1001 5", "10001", "#sent 10001 a x", "10001 40"];
    feed(report, texts.map((text) => ["a", text]));
    expect(report.count).toBe(2);
    expect(report.rejected).toBe(6);
    expect(report.lines()).toContainEqual("10001  all        2        -        -     30.00   20   40");
  });

  it("shows dashes before any update, and says drops are unknown without a count stream", () => {
    const report = new WeatherReport("10001", ["a"]);
    expect(report.lines().slice(-2)).toEqual(["10001  all        0        -        -     -       -    -", "lost: unknown, no publisher sent a count stream"]);
    expect(formatAverage({ count: 0, sum: 0 })).toBe("-");
    expect(formatAverage({ count: 3, sum: 10 })).toBe("3.33");
  });
});

describe("pubsub config", () => {
  const spec = {
    ZIP_FILTER: zipCode({ default: "10001" }),
    PUB_ZIPS: zipRange({ default: { min: 10000, max: 10019 } }),
    PUB_ID: roleId({ default: "pub" }),
    PUB_RATE: pubRate({ default: 200 }),
  };
  const problemsOf = (env: NodeJS.ProcessEnv) => {
    try {
      return loadConfig(spec, env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it("parses valid values and defaults", () => {
    expect(problemsOf({})).toEqual({ ZIP_FILTER: "10001", PUB_ZIPS: { min: 10000, max: 10019 }, PUB_ID: "pub", PUB_RATE: 200 });
    expect(problemsOf({ ZIP_FILTER: "00042", PUB_ZIPS: "00000-00099", PUB_ID: "weather-pub-2", PUB_RATE: "100000" })).toEqual({
      ZIP_FILTER: "00042",
      PUB_ZIPS: { min: 0, max: 99 },
      PUB_ID: "weather-pub-2",
      PUB_RATE: 100_000,
    });
    expect(problemsOf({ PUB_RATE: "max" })).toMatchObject({ PUB_RATE: Infinity });
    expect(problemsOf({ PUB_ZIPS: "10001-10001" })).toMatchObject({ PUB_ZIPS: { min: 10001, max: 10001 } });
  });

  it("reports each bad value in the runtime's form", () => {
    expect(problemsOf({ ZIP_FILTER: "1000", PUB_ZIPS: "10019-10000", PUB_ID: "two words" })).toEqual([
      'ZIP_FILTER: expected a 5-digit zip code such as 10001, got "1000"',
      'PUB_ZIPS: expected a zip range such as 10000-10019 (low-high, 5 digits each), got "10019-10000"',
      "PUB_ID: expected an id of 1 to 64 letters, digits, '.', '_' or '-', got \"two words\"",
    ]);
  });

  it.each(["100012", "1000a", "-1000", "1 0001", "10001x"])("rejects ZIP_FILTER=%j", (raw) => {
    expect(problemsOf({ ZIP_FILTER: raw })).toEqual([expect.stringMatching(/^ZIP_FILTER: expected a 5-digit zip code/)]);
  });

  it("trims spaces around ZIP_FILTER; the subscriber adds its own", () => {
    expect(problemsOf({ ZIP_FILTER: " 10001 " })).toMatchObject({ ZIP_FILTER: "10001" });
  });

  it.each(["10000", "10000-", "1000-10019", "10000-100190", "a-b"])("rejects PUB_ZIPS=%j", (raw) => {
    expect(problemsOf({ PUB_ZIPS: raw })).toEqual([expect.stringMatching(/^PUB_ZIPS: expected a zip range/)]);
  });

  it.each(["0", "100001", "fast", "1.5", "-5", "MAX"])("rejects PUB_RATE=%j", (raw) => {
    expect(problemsOf({ PUB_RATE: raw })).toEqual([`PUB_RATE: expected an integer from 1 to 100000, or max, got "${raw}"`]);
  });
});
