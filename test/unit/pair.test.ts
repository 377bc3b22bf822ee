import { describe, expect, it } from "vitest";
import { clientMessage, parseClientMessage } from "../../services/pair/messages.js";

const frames = (...parts: Array<string | Buffer>) => parts.map((part) => Buffer.from(part));

describe("pair messages", () => {
  it("accepts our client's answer and the tutorial's bare one", () => {
    expect(parseClientMessage(frames(clientMessage("cd6f8cf2a5ff", 3, 10)))).toBe("Client cd6f8cf2a5ff message to Server (3/10)");
    expect(parseClientMessage(frames("Client message to Server"))).toBe("Client message to Server");
  });

  it.each([
    ["bad JSON", frames('{"num": 5')],
    ["other text", frames("10001 hot")],
    ["an empty frame", frames("")],
    ["several frames", frames("Client message to Server", "part-2")],
    ["no frames", []],
    ["invalid UTF-8", [Buffer.from([0x43, 0xff, 0xfe])]],
    ["a near miss", frames("Client a b message to Server")],
  ])("rejects %s", (_, input) => {
    expect(parseClientMessage(input)).toBeUndefined();
  });

});
