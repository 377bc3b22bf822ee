import { describe, expect, it } from "vitest";
import { preview, textOf } from "../../services/runtime/frames.js";

const frames = (...parts: string[]) => parts.map((part) => Buffer.from(part));

describe("textOf", () => {
  it("reads exactly one frame of valid UTF-8", () => {
    expect(textOf(frames("Hello from client 7"))).toBe("Hello from client 7");
    expect(textOf(frames(""))).toBe("");
  });

  it.each([
    ["no frames", []],
    ["two frames", frames("a", "b")],
    ["invalid UTF-8", [Buffer.from([0x48, 0xff, 0xfe])]],
  ])("gives undefined for %s", (_, message) => {
    expect(textOf(message)).toBeUndefined();
  });
});

describe("preview", () => {
  it("shows any frames on one escaped, bounded line", () => {
    expect(preview(frames("Hello from client 7"))).toBe('"Hello from client 7"');
    expect(preview(frames("a\nb", "c"))).toBe('2 frames: "a\\nb" + "c"');
    const long = preview(frames("x".repeat(200)), 40);
    expect(long).toHaveLength(40);
    expect(long.endsWith("…")).toBe(true);
  });
});
