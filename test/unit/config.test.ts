import { describe, expect, it } from "vitest";
import { ConfigError, connectInstead, endpoint, endpoints, integer, loadConfig, millis, oneOf, port, tcpAddress, text, timeout } from "../../services/runtime/config.js";

const spec = {
  BIND: endpoint({ default: "tcp://*:5555" }),
  PEERS: endpoints({ default: ["tcp://a:1", "tcp://b:2"] }),
  COUNT: integer({ min: 1, max: 100, default: 10 }),
  PORT: port({ default: 5555 }),
  WAIT_MS: millis({ default: 5000 }),
  GREETING: text({ default: "hi" }),
};

/** What loadConfig reports for `env`, all problems at once; [] when it accepts it. */
const problemsOf = (env: NodeJS.ProcessEnv, of: Parameters<typeof loadConfig>[0] = spec): string[] => {
  try {
    loadConfig(of, env);
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
      'BIND: expected a ZeroMQ endpoint such as tcp://host:5555 or tcp://*:5555 (port 1-65535), got "http://x"',
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

  it.each(["tcp://*:0", "tcp://*:65536", "tcp://rep-server:99999", "tcp://host:", "tcp://host:5555x"])("rejects the endpoint %j", (raw) => {
    expect(problemsOf({ BIND: raw })).toEqual([expect.stringMatching(/^BIND: expected a ZeroMQ endpoint .* \(port 1-65535\), got /)]);
    expect(problemsOf({ PEERS: `tcp://a:1,${raw}` })).toEqual([expect.stringMatching(/^PEERS: expected comma-separated ZeroMQ endpoints/)]);
  });

  it("takes connect:<endpoint> where a role would bind, so both sides of a device can connect to it", () => {
    expect(loadConfig(spec, { BIND: "connect:tcp://queue:5575" })).toMatchObject({ BIND: "connect:tcp://queue:5575" });
    expect(connectInstead("connect:tcp://queue:5575")).toBe("tcp://queue:5575");
    expect(connectInstead("tcp://*:5555")).toBeUndefined();
    for (const raw of ["connect:tcp://*:5575", "connect:queue:5575", "connect:", "bind:tcp://*:5555"]) {
      expect(problemsOf({ BIND: raw }), raw).toEqual([expect.stringMatching(/^BIND: expected a ZeroMQ endpoint .* \(port 1-65535\), got /)]);
    }
  });

  it("splits a tcp endpoint into host and port", () => {
    expect(tcpAddress("tcp://collector:5558")).toEqual({ host: "collector", port: 5558 });
    expect(tcpAddress("tcp://*:5555")).toEqual({ host: "*", port: 5555 });
    expect(tcpAddress("tcp://collector:0")).toBeUndefined();
    expect(tcpAddress("ipc:///tmp/x")).toBeUndefined();
  });

  it("accepts the edges of the port range", () => {
    expect(loadConfig(spec, { BIND: "tcp://*:65535", PEERS: "tcp://a:1" })).toMatchObject({ BIND: "tcp://*:65535", PEERS: ["tcp://a:1"] });
  });

  it("takes a timeout of 1 ms or more, never 0, which would make a receive return at once", () => {
    const timeouts = { LIMIT_MS: timeout({ default: 5000 }) };
    expect(loadConfig(timeouts, { LIMIT_MS: "1" }).LIMIT_MS).toBe(1);
    expect(() => loadConfig(timeouts, { LIMIT_MS: "0" })).toThrow(/LIMIT_MS: expected an integer from 1 to 3600000, got "0"/);
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

describe("oneOf", () => {
  const words = { TASK_MODE: oneOf(["cpu", "sleep"])({ default: "cpu" }) };

  it("takes one of its words, or the default", () => {
    expect(loadConfig(words, {}).TASK_MODE).toBe("cpu");
    expect(loadConfig(words, { TASK_MODE: "sleep" }).TASK_MODE).toBe("sleep");
  });

  it("names the words it expects", () => {
    expect(problemsOf({ TASK_MODE: "gpu" }, words)).toEqual(['TASK_MODE: expected one of cpu, sleep, got "gpu"']);
  });
});
