// What the collector believes (#19): one batch start, bounded fields, duplicates dropped, capped rows.
import { describe, expect, it } from "vitest";
import { collectorResult, MAX_CONSUMER_ROWS, MORE, Tally } from "../../services/pipeline/report.js";
import { encodeBatchStart, MAX_TASKS, parseBatchNews, parseDone, parseResult, parseStop } from "../../services/pipeline/wire.js";

const frame = (text: string) => [Buffer.from(text)];

describe("the collector's wire bounds", () => {
  it.each([
    ["a batch start of 2^53 tasks", '{"batch":{"tasks":9007199254740991,"total":0},"epoch":1}'],
    ["a batch start over the producer's maximum", `{"batch":{"tasks":${MAX_TASKS + 1},"total":0},"epoch":1}`],
    ["a negative total", '{"batch":{"tasks":10,"total":-1},"epoch":1}'],
    ["a total no batch of 10 tasks can reach", '{"batch":{"tasks":10,"total":101},"epoch":1}'],
    ["a re-dispatch of an id past the maximum", `{"redispatch":[${MAX_TASKS}]}`],
  ])("rejects %s on the batch port", (_, text) => {
    expect(parseBatchNews(frame(text)).ok).toBe(false);
  });

  it.each([
    ["a negative num", '{"consumer":"c1","num":-5,"task":1}', /^"num" is not from 0 to 10: -5$/],
    ["a num over 10", '{"consumer":"c1","num":11,"task":1}', /^"num" is not from 0 to 10: 11$/],
    ["a task id past the maximum", `{"consumer":"c1","num":1,"task":${MAX_TASKS}}`, /^"task" is not a task id/],
    ["a consumer id with a newline", '{"consumer":"c1\\nverdict: PASS","num":1}', /^"consumer" is not an id: "c1\\nverdict: PASS"$/],
    ["a consumer id of 65 characters", `{"consumer":"${"x".repeat(65)}","num":1}`, /^"consumer" is not an id: "x{59}\.\.\.$/],
    ["a negative numeric consumer id", '{"consumer":-3,"num":1}', /^"consumer" is not an id: -3$/],
  ])("rejects %s as a result, saying why in one short line", (_, text, reason) => {
    const parsed = parseResult(frame(text));
    expect(parsed.ok ? parsed : parsed.reason).toMatch(reason);
  });

  it("takes only short printable stop reasons, and confirmations within the maximum", () => {
    expect(parseStop(frame('{"stop":"batch complete"}'))).toBe("batch complete");
    expect(parseStop(frame('{"stop":"done\\nverdict: PASS"}'))).toBeUndefined();
    expect(parseStop(frame(`{"stop":"${"x".repeat(81)}"}`))).toBeUndefined();
    expect(parseDone(frame(`{"done":${MAX_TASKS}}`))).toBeUndefined();
  });
});

describe("the collector's tally under forged input", () => {
  it("accepts one batch start: the same again changes nothing, any other is counted and ignored", () => {
    const tally = new Tally();
    expect(tally.announce({ tasks: 4, total: 10 })).toBe("accepted");
    expect(tally.announce({ tasks: 4, total: 10 })).toBe("accepted");
    expect(tally.announce({ tasks: 1, total: 0 })).toBe("rejected");
    expect([tally.batch, tally.batchesRejected]).toEqual([{ tasks: 4, total: 10 }, 1]);
    expect(parseBatchNews(frame(encodeBatchStart({ tasks: 4, total: 10 }, 2))).ok).toBe(true);
  });

  it("rejects task ids outside the batch, and takes back those counted before the batch start", () => {
    const tally = new Tally();
    expect(tally.add({ consumer: "c1", num: 3, task: 7 })).toBe("counted");
    expect(tally.add({ consumer: "c1", num: 2, task: 1 })).toBe("counted");
    tally.announce({ tasks: 4, total: 2 });
    expect([tally.count, tally.sum, tally.rejected]).toEqual([1, 2, 1]);
    expect(tally.add({ consumer: "c1", num: 3, task: 4 })).toBe("rejected");
    expect(tally.consumers()).toEqual([{ consumer: "c1", count: 1, sum: 2 }]);
  });

  it("gives the first ids a row each and the rest one shared row", () => {
    const tally = new Tally();
    for (let i = 0; i < MAX_CONSUMER_ROWS + 50; i++) tally.add({ consumer: `c${i}`, num: 1, task: i });
    const rows = tally.consumers();
    expect(rows).toHaveLength(MAX_CONSUMER_ROWS);
    expect(rows.find((row) => row.consumer === MORE)).toEqual({ consumer: MORE, count: 51, sum: 51 });
  });

  it("names a stuck batch's missing tasks in its RESULT, and only open ids in a re-dispatch count as news", () => {
    const tally = new Tally();
    tally.announce({ tasks: 5, total: 5 });
    [0, 2].forEach((task) => tally.add({ consumer: "c1", num: 1, task }));
    expect(tally.redispatch([0, 2])).toBe(false);
    expect(tally.redispatch([3, 9])).toBe(true);
    expect(collectorResult(tally, "timeout")).toMatchObject({
      verdict: "FAIL",
      ended: "timeout",
      count: 2,
      missing: 3,
      missingTasks: [1, 3, 4],
      redispatched: 3,
      problems: ["missing 3 of 5 results: tasks 1, 3-4", "sum 2 differs from the announced total 5"],
    });
  });
});
