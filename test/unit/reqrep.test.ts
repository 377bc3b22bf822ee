import { describe, expect, it } from "vitest";
import { Tally } from "../../services/reqrep/report.js";
import { DEFAULT_REPLY, parseRequest, requestText } from "../../services/reqrep/wire.js";
import { OTHER_PEER } from "../../services/runtime/count-by.js";
import { ConfigError, loadConfig, roleId } from "../../services/runtime/config.js";

const frames = (...parts: Array<string | Buffer>) => parts.map((part) => Buffer.from(part));

describe("reqrep messages", () => {
  it("keeps the tutorial's texts", () => {
    expect(requestText("7")).toBe("Hello from client 7");
    expect(DEFAULT_REPLY).toBe("Hi from Server");
  });

  it.each(["7", "3c1f513f3bcd", "client-1.lab_A"])("parses back the id %j", (id) => {
    expect(parseRequest(frames(requestText(id)))).toEqual({ ok: true, value: id });
  });

  // The tutorial's client sends plain "Hello": any text is a request, counted for OTHER_PEER.
  it.each([
    ["the tutorial's text", frames("Hello")],
    ["an empty frame", frames("")],
    ["no id", frames("Hello from client ")],
    ["a space in the id", frames("Hello from client a b")],
    ["a trailing newline", frames("Hello from client 7\n")],
    ["an escape in the id", frames("Hello from client 7\u001b[2J")],
    ["other text", frames("hello from client 7")],
    ["an id over 64 characters", frames(requestText("x".repeat(65)))],
  ])("counts %s for (other)", (_, request) => {
    expect(parseRequest(request)).toEqual({ ok: true, value: OTHER_PEER });
  });

  it.each([
    ["two frames", frames("Hello from client 7", "extra")],
    ["no frames", []],
    ["invalid UTF-8", [Buffer.concat([Buffer.from("Hello from client "), Buffer.from([0xff, 0xfe])])]],
  ])("rejects %s", (_, request) => {
    expect(parseRequest(request)).toEqual({ ok: false, reason: "not one frame of UTF-8 text" });
  });

  it("validates CLIENT_ID with the form the server accepts", () => {
    const spec = { CLIENT_ID: roleId({ default: undefined }) };
    expect(loadConfig(spec, {}).CLIENT_ID).toBeUndefined();
    expect(loadConfig(spec, { CLIENT_ID: "alice-1" }).CLIENT_ID).toBe("alice-1");
    expect(() => loadConfig(spec, { CLIENT_ID: "alice 1" })).toThrow(ConfigError);
    try {
      loadConfig(spec, { CLIENT_ID: "alice 1" });
    } catch (err) {
      expect((err as ConfigError).problems).toEqual(["CLIENT_ID: expected an id of 1 to 64 letters, digits, '.', '_' or '-', got \"alice 1\""]);
    }
  });
});

describe("Tally", () => {
  it("counts answers per client and rejects apart from any client", () => {
    const tally = new Tally();
    expect(tally.answer("b")).toBe(1);
    expect(tally.answer("a")).toBe(1);
    expect(tally.answer("b")).toBe(2);
    expect(tally.reject()).toBe(1);
    expect(tally.total).toBe(3);
    expect(tally.rejected).toBe(1);
    expect(tally.report()).toEqual([
      "answered 3 requests from 2 clients, 1 rejected",
      "client  answered",
      "------  --------",
      "a       1",
      "b       2",
    ]);
    expect(tally.result()).toEqual({ answered: 3, clients: { a: 1, b: 2 }, rejected: 1 });
  });

  it("reports an idle server in one line, with singular words where they fit", () => {
    const tally = new Tally();
    expect(tally.report()).toEqual(["answered 0 requests from 0 clients, 0 rejected"]);
    tally.answer("solo");
    expect(tally.report()[0]).toBe("answered 1 request from 1 client, 0 rejected");
  });
});
