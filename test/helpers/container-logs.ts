// A container's log and exit, read through dockerode: its modem splits Docker's multiplexed
// stdout/stderr stream, and a followed log lets a wait end on the line itself, not on a poll.
import { once } from "node:events";
import { createInterface } from "node:readline";
import { PassThrough, Readable } from "node:stream";
import type Dockerode from "dockerode";
import { resultOf } from "../../services/runtime/log.js";

export interface TimedLine {
  /** Docker's own receive time of the line. */
  at: Date;
  line: string;
}

/** The container's log lines so far, stdout and stderr together. */
export async function linesOf(container: Dockerode.Container): Promise<string[]> {
  return splitLines(await demuxed(container, false));
}

/** The container's log lines so far, each with Docker's receive time. */
export async function timedLinesOf(container: Dockerode.Container): Promise<TimedLine[]> {
  return splitLines(await demuxed(container, true)).map((line) => {
    const space = line.indexOf(" ");
    return { at: new Date(line.slice(0, space)), line: line.slice(space + 1) };
  });
}

/**
 * Follows the log from its start until `count` lines match, and returns them. Fails at once if
 * the container stops first, and after `timeoutMs` otherwise.
 */
export async function waitForLines(container: Dockerode.Container, label: string, pattern: RegExp, count = 1, timeoutMs = 30_000): Promise<string[]> {
  const source = (await container.logs({ stdout: true, stderr: true, follow: true })) as NodeJS.ReadableStream & { destroy(): void };
  const text = new PassThrough();
  container.modem.demuxStream(source, text, text);
  source.on("end", () => text.end());
  const found: string[] = [];
  const timer = setTimeout(() => text.destroy(new Error(`${label}: ${found.length} of ${count} lines matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
  try {
    for await (const line of createInterface({ input: text, crlfDelay: Infinity })) {
      if (pattern.test(line) && found.push(line) >= count) return found;
    }
    throw new Error(`${label}: stopped after ${found.length} of ${count} lines matching ${pattern}`);
  } finally {
    clearTimeout(timer);
    source.destroy();
  }
}

/** A role's `RESULT {json}` line, in the human log format or as a JSON log entry (LOG_FORMAT=json). */
const RESULT_LINE = /^RESULT \{|^\{.*"msg":"RESULT"/;

/** Follows the log until the role writes its RESULT, and returns it (read by the runtime's own `resultOf`). */
export async function waitForResult(container: Dockerode.Container, label: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const lines = await waitForLines(container, label, RESULT_LINE, 1, timeoutMs);
  return resultOf(lines)!;
}

/** Waits for the container to exit and returns its exit code. */
export async function exitOf(container: Dockerode.Container, label: string, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: still running after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const { StatusCode } = (await Promise.race([container.wait(), timeout])) as { StatusCode: number };
    return StatusCode;
  } finally {
    clearTimeout(timer);
  }
}

/** The whole log so far as text. dockerode returns it as one buffer; the modem reads it in slices. */
async function demuxed(container: Dockerode.Container, timestamps: boolean): Promise<string> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false, timestamps })) as Buffer;
  const text = new PassThrough();
  const chunks: Buffer[] = [];
  text.on("data", (chunk: Buffer) => chunks.push(chunk));
  // The modem parses a chunk's frames recursively and copies what is left after each one: small
  // slices keep its stack shallow and its copying short on long logs.
  const slices = Array.from({ length: Math.ceil(raw.length / SLICE) }, (_, i) => raw.subarray(i * SLICE, (i + 1) * SLICE));
  const source = Readable.from(slices);
  source.on("end", () => text.end());
  container.modem.demuxStream(source, text, text);
  await once(text, "end");
  return Buffer.concat(chunks).toString("utf8");
}

const SLICE = 1024;

const splitLines = (text: string) => text.split("\n").filter((line) => line.length > 0);
