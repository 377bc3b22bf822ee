import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../services/runtime/config.js";
import {
  describeUpdate,
  formatAverage,
  formatUpdate,
  formatZip,
  parseMessage,
  parseUpdate,
  publisherId,
  randomUpdate,
  TEMP_MAX,
  TEMP_MIN,
  topic,
  WeatherReport,
  zipCode,
  zipRange,
  type Update,
} from "../../services/pubsub/weather.js";

/** ZeroMQ's SUB filter: a message passes when it starts with the subscribed bytes. */
const passesFilter = (message: string, prefix: string) => Buffer.from(message).subarray(0, Buffer.byteLength(prefix)).equals(Buffer.from(prefix));

describe("weather format", () => {
  it("zero-pads zips to 5 digits and joins the fields with single spaces", () => {
    expect(formatZip(42)).toBe("00042");
    expect(formatZip(10001)).toBe("10001");
    expect(formatUpdate({ zip: "10001", temp: -7, source: "weather-pub-1", seq: 153 })).toBe("10001 -7 weather-pub-1 153");
    expect(formatUpdate({ zip: "00042", temp: 0 })).toBe("00042 0");
  });

  it("round-trips through parse", () => {
    const update: Update = { zip: "00042", temp: 135, source: "pub", seq: 9 };
    expect(parseUpdate(formatUpdate(update))).toEqual({ ok: true, update });
  });

  it("draws zips from the range and temps from -80..135, reaching both ends", () => {
    const ends = [0, 0.999999];
    for (const r of ends) {
      const update = randomUpdate({ min: 10000, max: 10019 }, "p", 1, () => r);
      expect(update.zip).toBe(r === 0 ? "10000" : "10019");
      expect(update.temp).toBe(r === 0 ? TEMP_MIN : TEMP_MAX);
    }
    for (let i = 0; i < 1000; i++) {
      const { zip, temp } = randomUpdate({ min: 5, max: 7 }, "p", i);
      expect(["00005", "00006", "00007"]).toContain(zip);
      expect(Number.isInteger(temp) && temp >= TEMP_MIN && temp <= TEMP_MAX).toBe(true);
    }
  });

  it("filters by the zip and a space, so a prefix of another zip never matches", () => {
    const prefix = topic("10001");
    expect(prefix).toBe("10001 ");
    expect(passesFilter("10001 57 pub 1", prefix)).toBe(true);
    expect(passesFilter("100012 57 pub 1", prefix)).toBe(false);
    expect(passesFilter("10001-57", prefix)).toBe(false);
    // Without padding zip 1 would be "1 ..." and a filter "1" would also take 12, 100, 10001...
    expect(passesFilter(formatUpdate({ zip: formatZip(12), temp: 3 }), topic(formatZip(1)))).toBe(false);
  });
});

describe("parseUpdate", () => {
  it("reads the first two fields and tolerates extras", () => {
    expect(parseUpdate("10001 57")).toEqual({ ok: true, update: { zip: "10001", temp: 57, source: undefined, seq: undefined } });
    expect(parseUpdate("10001 57 42", "10001")).toMatchObject({ ok: true, update: { temp: 57, source: "42" } });
    expect(parseUpdate("10001 57 pub-a 12 extra fields", "10001")).toMatchObject({ ok: true, update: { source: "pub-a", seq: 12 } });
    expect(parseUpdate("10001 57 pub-a humid")).toMatchObject({ ok: true, update: { source: "pub-a", seq: undefined } });
    expect(parseUpdate("10001 -80")).toMatchObject({ ok: true, update: { temp: -80 } });
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
  ])("rejects %j", (text, reason) => {
    const parsed = parseUpdate(text, "10001");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it("takes exactly one frame", () => {
    expect(parseMessage([Buffer.from("10001 57")], "10001").ok).toBe(true);
    expect(parseMessage([Buffer.from("10001"), Buffer.from("57")], "10001")).toEqual({ ok: false, reason: "expected 1 frame, got 2" });
    expect(parseMessage([], "10001")).toEqual({ ok: false, reason: "expected 1 frame, got 0" });
    expect(parseMessage([Buffer.from([0xff, 0xfe, 0x20, 0x35])], "10001").ok).toBe(false);
  });

  it("describes an update for the log", () => {
    expect(describeUpdate({ zip: "10001", temp: -7, source: "weather-pub-1", seq: 153 })).toBe("10001 -7 from weather-pub-1 #153");
    expect(describeUpdate({ zip: "10001", temp: 5 })).toBe("10001 5 from (no id)");
  });
});

describe("WeatherReport", () => {
  const feed = (report: WeatherReport, messages: string[]) => {
    for (const text of messages) {
      const parsed = parseUpdate(text, report.zip);
      if (parsed.ok) report.add(parsed.update);
      else report.reject();
    }
  };

  it("counts, averages and bounds per publisher and overall", () => {
    const report = new WeatherReport("10001");
    feed(report, ["10001 10 b 1", "10001 -80 a 1", "10001 135 a 2", "10001 0 b 2", "10001 1 b 3"]);
    expect(report.count).toBe(5);
    expect(report.sources()).toEqual([["a", 2], ["b", 3]]);
    const lines = report.lines();
    expect(lines[0]).toBe("report: 5 updates for zip 10001 from 2 publisher(s), 0 rejected");
    expect(lines.slice(1)).toEqual([
      "zip    publisher  updates  avg °F  min  max",
      "-----  ---------  -------  ------  ---  ---",
      "10001  a          2        27.50   -80  135",
      "10001  b          3        3.67    0    10",
      "10001  all        5        13.20   -80  135",
    ]);
  });

  it("counts malformed updates as rejected and keeps them out of every figure", () => {
    const report = new WeatherReport("10001");
    feed(report, ["10001 20 a", "10001 999 a", "10002 -50 a", "10001 hot a", "1001 5 a", "10001", "10001 40 a"]);
    expect(report.count).toBe(2);
    expect(report.rejected).toBe(5);
    expect(report.lines()).toContainEqual("10001  all        2        30.00   20   40");
  });

  it("lists updates without a publisher id under (no id)", () => {
    const report = new WeatherReport("10001");
    feed(report, ["10001 1", "10001 2 x"]);
    expect(report.sources()).toEqual([["(no id)", 1], ["x", 1]]);
  });

  it("shows dashes before any update", () => {
    const report = new WeatherReport("10001");
    expect(report.lines().at(-1)).toBe("10001  all        0        -       -    -");
    expect(formatAverage({ count: 0, sum: 0 })).toBe("-");
    expect(formatAverage({ count: 3, sum: 10 })).toBe("3.33");
  });
});

describe("pubsub config", () => {
  const spec = {
    ZIP_FILTER: zipCode({ default: "10001" }),
    PUB_ZIPS: zipRange({ default: { min: 10000, max: 10019 } }),
    PUB_ID: publisherId({ default: "pub" }),
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
    expect(problemsOf({})).toEqual({ ZIP_FILTER: "10001", PUB_ZIPS: { min: 10000, max: 10019 }, PUB_ID: "pub" });
    expect(problemsOf({ ZIP_FILTER: "00042", PUB_ZIPS: "00000-00099", PUB_ID: "weather-pub-2" })).toEqual({
      ZIP_FILTER: "00042",
      PUB_ZIPS: { min: 0, max: 99 },
      PUB_ID: "weather-pub-2",
    });
    expect(problemsOf({ PUB_ZIPS: "10001-10001" })).toMatchObject({ PUB_ZIPS: { min: 10001, max: 10001 } });
  });

  it("reports each bad value in the runtime's form", () => {
    expect(problemsOf({ ZIP_FILTER: "1000", PUB_ZIPS: "10019-10000", PUB_ID: "two words" })).toEqual([
      'ZIP_FILTER: expected a 5-digit zip code such as 10001, got "1000"',
      'PUB_ZIPS: expected a zip range such as 10000-10019 (low-high, 5 digits each), got "10019-10000"',
      'PUB_ID: expected an id of 1 to 64 characters without spaces, got "two words"',
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
});
