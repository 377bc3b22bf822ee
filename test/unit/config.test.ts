import { describe, expect, it } from "vitest";
import { ConfigError, endpoint, endpoints, integer, loadConfig, millis, port, text } from "../../services/runtime/config.js";

const spec = {
  BIND: endpoint({ default: "tcp://*:5555" }),
  PEERS: endpoints({ default: ["tcp://a:1", "tcp://b:2"] }),
  COUNT: integer({ min: 1, max: 100, default: 10 }),
  PORT: port({ default: 5555 }),
  WAIT_MS: millis({ default: 5000 }),
  GREETING: text({ default: "hi" }),
};

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(spec, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe("loadConfig", () => {
  it("uses defaults for unset and empty variables", () => {
    expect(loadConfig(spec, { COUNT: "", BIND: undefined })).toEqual({
      BIND: "tcp://*:5555",
      PEERS: ["tcp://a:1", "tcp://b:2"],
      COUNT: 10,
      PORT: 5555,
      WAIT_MS: 5000,
      GREETING: "hi",
    });
  });

  it("parses valid values", () => {
    const config = loadConfig(spec, {
      BIND: "tcp://pair-server:6000",
      PEERS: "tcp://x:1, ipc:///tmp/y",
      COUNT: "100",
      PORT: "1",
      WAIT_MS: "0",
      GREETING: "hello there",
    });
    expect(config).toMatchObject({ BIND: "tcp://pair-server:6000", PEERS: ["tcp://x:1", "ipc:///tmp/y"], COUNT: 100, PORT: 1, WAIT_MS: 0 });
  });

  it("reports every bad variable at once, one line each, naming it and the expected form", () => {
    const problems = problemsOf({ BIND: "http://x", PEERS: "tcp://a:1,nope", COUNT: "ten", PORT: "70000", WAIT_MS: "-5", GREETING: "x".repeat(300) });
    expect(problems).toHaveLength(6);
    expect(problems).toEqual([
      'BIND: expected a ZeroMQ endpoint such as tcp://host:5555 or tcp://*:5555, got "http://x"',
      'PEERS: expected comma-separated ZeroMQ endpoints such as tcp://host:5555,tcp://other:5555, got "tcp://a:1,nope"',
      'COUNT: expected an integer from 1 to 100, got "ten"',
      'PORT: expected an integer from 1 to 65535, got "70000"',
      'WAIT_MS: expected an integer from 0 to 3600000, got "-5"',
      `GREETING: expected text of 1 to 256 characters, got "${"x".repeat(300)}"`,
    ]);
  });

  it.each(["1.5", "1e3", "0x10", " ", "12abc", "101", "0"])("rejects COUNT=%j", (raw) => {
    expect(problemsOf({ COUNT: raw })).toEqual([expect.stringMatching(/^COUNT: expected an integer from 1 to 100, got /)]);
  });

  it("reads the given env, never the process's", () => {
    process.env.COUNT = "ten";
    try {
      expect(loadConfig(spec, {}).COUNT).toBe(10);
    } finally {
      delete process.env.COUNT;
    }
  });
});
