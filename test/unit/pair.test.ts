import { describe, expect, it } from "vitest";
import { clientResult, ServerTally } from "../../services/pair/report.js";
import { clientMessage, parseClientMessage } from "../../services/pair/wire.js";

const frames = (...parts: Array<string | Buffer>) => parts.map((part) => Buffer.from(part));

describe("pair messages", () => {
  it("takes our client's answer as its own", () => {
    expect(parseClientMessage(frames(clientMessage("cd6f8cf2a5ff", 3, 10)))).toEqual({ ok: true, value: { text: "Client cd6f8cf2a5ff message to Server (3/10)", id: "cd6f8cf2a5ff" } });
  });

  it.each([
    ["the tutorial's first answer", "Hello from Client"],
    ["the tutorial's second answer", "This is a client message to server"],
    ["the bare tutorial text", "Client message to Server"],
    ["JSON", '{"num": 5'],
    ["an empty frame", ""],
    ["an id outside the id rule", "Client a\nverdict: PASS message to Server (1/1)"],
  ])("accepts %s as text from another client", (_, text) => {
    expect(parseClientMessage(frames(text))).toEqual({ ok: true, value: { text, id: undefined } });
  });

  it.each([
    ["several frames", frames("Client message to Server", "part-2")],
    ["no frames", []],
    ["invalid UTF-8", [Buffer.from([0x43, 0xff, 0xfe])]],
  ])("rejects %s", (_, input) => {
    expect(parseClientMessage(input)).toEqual({ ok: false, reason: "not one frame of UTF-8 text" });
  });
});

describe("pair report", () => {
  it("the server counts replies per client id, other text under (other), and rejects apart", () => {
    const tally = new ServerTally();
    expect([tally.reply("b"), tally.reply("a"), tally.reply(), tally.reply("b")]).toEqual([1, 2, 3, 4]);
    tally.reject();
    expect(tally.lines()).toEqual(["4 replies, 1 rejected", "client   replies", "-------  -------", "(other)  1", "a        1", "b        2"]);
    expect(tally.result()).toEqual({ replies: 4, rejected: 1, clients: { "(other)": 1, a: 1, b: 2 } });
  });

  it("the client's verdict is PASS only with every exchange done", () => {
    expect(clientResult(10, 10)).toEqual({ exchanges: 10, messages: 10, verdict: "PASS" });
    expect(clientResult(3, 10)).toEqual({ exchanges: 3, messages: 10, verdict: "FAIL" });
  });
});
