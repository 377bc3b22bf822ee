import { describe, expect, it } from "vitest";
import { clientMessage, parseClientMessage } from "../../services/pair/messages.js";

const frames = (...parts: Array<string | Buffer>) => parts.map((part) => Buffer.from(part));

describe("pair messages", () => {
  it("takes our client's answer as its own", () => {
    expect(parseClientMessage(frames(clientMessage("cd6f8cf2a5ff", 3, 10)))).toEqual({ text: "Client cd6f8cf2a5ff message to Server (3/10)", ours: true });
  });

  it.each([
    ["the tutorial's first answer", "Hello from Client"],
    ["the tutorial's second answer", "This is a client message to server"],
    ["the bare tutorial text", "Client message to Server"],
    ["JSON", '{"num": 5'],
    ["an empty frame", ""],
  ])("accepts %s as text from another client", (_, text) => {
    expect(parseClientMessage(frames(text))).toEqual({ text, ours: false });
  });

  it.each([
    ["several frames", frames("Client message to Server", "part-2")],
    ["no frames", []],
    ["invalid UTF-8", [Buffer.from([0x43, 0xff, 0xfe])]],
  ])("rejects %s", (_, input) => {
    expect(parseClientMessage(input)).toBeUndefined();
  });
});
