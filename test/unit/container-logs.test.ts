// The host-side layer's log reading, on a stand-in container: Docker's multiplexed frames in,
// lines out, through dockerode's own modem (no Docker needed).
import { PassThrough } from "node:stream";
import type Dockerode from "dockerode";
import Modem from "docker-modem";
import { describe, expect, it } from "vitest";
import { linesOf, timedLinesOf, waitForLines, waitForResult } from "../helpers/container-logs.js";

/** One frame of Docker's log stream: stream type (1 stdout, 2 stderr), payload size, payload. */
const frame = (text: string, stream = 1) => {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
};

/** A container whose log is `frames`: a buffer when read whole, a stream (ended or not) when followed. */
const container = (frames: Buffer[], { ended = true } = {}) =>
  ({
    modem: new Modem(),
    async logs({ follow }: { follow: boolean }) {
      if (!follow) return Buffer.concat(frames);
      const stream = new PassThrough();
      frames.forEach((f) => stream.write(f));
      if (ended) stream.end();
      return stream;
    },
  }) as unknown as Dockerode.Container;

describe("container logs", () => {
  it("joins stdout and stderr frames into lines, a line split across frames included", async () => {
    const log = container([frame("a ready: x\nb "), frame("half\n"), frame("c error\n", 2)]);
    expect(await linesOf(log)).toEqual(["a ready: x", "b half", "c error"]);
  });

  it("reads a long log (20,000 frames) whole", async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `consumer@c-1 result ${i}`);
    expect(await linesOf(container(lines.map((line) => frame(`${line}\n`))))).toEqual(lines);
  });

  it("splits Docker's timestamp from each line", async () => {
    const [first] = await timedLinesOf(container([frame("2026-11-27T06:00:00.123456789Z pair-server@p ready: x\n")]));
    expect(first).toEqual({ at: new Date("2026-11-27T06:00:00.123Z"), line: "pair-server@p ready: x" });
  });

  it("waits for the matching lines as they come, and fails at once when the container stops first", async () => {
    const log = [frame("a ready: x\n"), frame("b result 1\nb result 2\n")];
    expect(await waitForLines(container(log, { ended: false }), "b-1", / result \d/, 2, 5_000)).toEqual(["b result 1", "b result 2"]);
    await expect(waitForLines(container(log), "b-1", / verdict/, 1, 5_000)).rejects.toThrow("b-1: stopped after 0 of 1 lines matching / verdict/");
  });

  it("gives up after its timeout, saying how many lines came", async () => {
    await expect(waitForLines(container([frame("b result 1\n")], { ended: false }), "b-1", / result/, 2, 200)).rejects.toThrow(
      "b-1: 1 of 2 lines matching / result/ within 200 ms",
    );
  });

  it("waits for the RESULT line, in the human or the JSON log format", async () => {
    const human = [frame("collector@collector-1 result 1/2\n"), frame('RESULT {"role":"collector","replica":"collector-1","count":2}\n')];
    expect(await waitForResult(container(human, { ended: false }), "collector-1", 5_000)).toEqual({ role: "collector", replica: "collector-1", count: 2 });
    const json = [frame('{"time":"t","level":"info","role":"collector","replica":"collector-1","msg":"RESULT","result":{"count":2}}\n')];
    expect(await waitForResult(container(json, { ended: false }), "collector-1", 5_000)).toEqual({ role: "collector", replica: "collector-1", count: 2 });
    await expect(waitForResult(container([frame("collector@collector-1 result 1/2\n")]), "collector-1", 5_000)).rejects.toThrow("stopped after 0 of 1");
  });
});
