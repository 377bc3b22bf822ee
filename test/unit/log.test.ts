import { afterEach, describe, expect, it, vi } from "vitest";
import { createLog } from "../../services/runtime/log.js";

describe("createLog", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prefixes every line with role@host and the level", () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const err = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const log = createLog("collector", "abc123");

    log.info("ready: bound tcp://*:5558");
    log.warn("rejected message 1: empty frame");
    log.error("Error: boom\n    at main (collector.js:10:5)\n    at run (lifecycle.js:1:1)");

    expect(out).toHaveBeenCalledWith("collector@abc123 ready: bound tcp://*:5558");
    expect(warn).toHaveBeenCalledWith("collector@abc123 WARN rejected message 1: empty frame");
    // A stack trace keeps the prefix on each of its lines, so `grep collector@` finds all of it.
    expect(err).toHaveBeenCalledWith(
      "collector@abc123 ERROR Error: boom\ncollector@abc123 ERROR     at main (collector.js:10:5)\ncollector@abc123 ERROR     at run (lifecycle.js:1:1)",
    );
  });
});
