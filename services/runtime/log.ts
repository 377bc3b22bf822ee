import { hostname } from "node:os";
import { makeValidator } from "envalid";
import { expected, oneOf } from "./config.js";
import { escapeText } from "./sanitize.js";

export interface Log {
  /**
   * A per-message line (a task, a result, an update): sampled by LOG_EVERY, shown at LOG_LEVEL=info.
   * As a function, the text is only made for a line that is shown: a batch of 20 000 builds 290.
   */
  each(message: string | (() => string)): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A line the user always needs, whatever LOG_LEVEL says: readiness, the final report, the verdict. */
  notice(message: string): void;
  /**
   * The role's machine-readable outcome, once, at its end: a line `RESULT {json}` (or, under
   * LOG_FORMAT=json, an object with `msg: "RESULT"` and a `result` field). Tests, the bench and
   * tools read this line, never the human table.
   */
  result(fields: Record<string, unknown>): void;
}

const LEVELS = ["info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];

const FORMATS = ["human", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** `auto`, or every n-th message. */
export type Every = "auto" | number;

export interface LogOptions {
  level?: Level;
  every?: Every;
  /** `human`: `role@replica message`; `json`: one object per line for log shippers. */
  format?: Format;
  /** Prefix human lines with an ISO time (json lines always carry one). */
  time?: boolean;
  /** Where lines go; every level shares one stream, so `docker logs` keeps their order. */
  write?: (line: string) => void;
}

/** The variables every role reads for its log, validated with the role's own. */
export const logSpec = {
  LOG_LEVEL: oneOf(LEVELS)({ default: "info", desc: "info, warn or error" }),
  LOG_EVERY: makeValidator<Every>((raw) => {
    if (raw === "auto") return "auto";
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= 1 && n <= 1_000_000 ? n : expected("auto or an integer from 1 to 1000000", raw);
  })({ default: "auto" }),
  LOG_FORMAT: oneOf(FORMATS)({ default: "human", desc: "human or json" }),
  LOG_TIME: oneOf(["on", "off"] as const)({ default: "off", desc: "on or off" }),
};

/** The line a role's RESULT starts with, in the human format. */
const RESULT_TAG = "RESULT ";

/** Every message up to this count is logged under LOG_EVERY=auto; above it, one per step. */
const AUTO_ALL = 100;

/**
 * The step LOG_EVERY gives the n-th message (1 = logged in full): `auto` logs the first 100, then
 * 1 in 10 up to 1 000, 1 in 100 up to 10 000 and so on, so a million messages make 464 lines
 * while a run of up to 100 shows every one.
 */
function stepOf(n: number, every: Every): number {
  if (every !== "auto") return every;
  if (n <= AUTO_ALL) return 1;
  return 10 ** (Math.ceil(Math.log10(n)) - 2);
}

/** True when the n-th message (from 1) gets its line: the first always, then each multiple of the step. */
export const shown = (n: number, every: Every) => n === 1 || n % stepOf(n, every) === 0;

/**
 * One line per event, prefixed `role@replica`, so interleaved container logs stay readable. Control
 * characters in a message are shown escaped (see sanitize.ts), so a message is always exactly one
 * line; a stack trace is logged a line at a time. All levels go to stdout:
 * two streams would let `docker logs` reorder an ERROR and the verdict after it.
 */
export function createLog(
  role: string,
  replica = hostname(),
  { level = "info", every = "auto", format = "human", time = false, write = console.log }: LogOptions = {},
): Log {
  const rank = LEVELS.indexOf(level);
  const out = (tag: Level | "notice", message: string, result?: Record<string, unknown>) => {
    if (format === "json") {
      write(JSON.stringify({ time: new Date().toISOString(), level: tag, role, replica, msg: message, ...(result && { result }) }));
      return;
    }
    if (result) return write(`${RESULT_TAG}${JSON.stringify({ role, replica, ...result })}`);
    const prefix = `${time ? `${new Date().toISOString()} ` : ""}${role}@${escapeText(replica)} ${tag === "warn" ? "WARN " : tag === "error" ? "ERROR " : ""}`;
    // One message, one line: whatever a peer put in it, it can't start a line of its own.
    write(prefix + escapeText(message));
  };
  let count = 0;
  let step = 1;
  return {
    each(message) {
      if (rank > 0) return;
      count++;
      if (stepOf(count, every) !== step) {
        step = stepOf(count, every);
        out("info", `(LOG_EVERY=${every}: from message ${count} on, 1 message in ${step} is logged; LOG_EVERY=1 logs all)`);
      }
      if (shown(count, every)) out("info", typeof message === "function" ? message() : message);
    },
    info: (message) => rank <= 0 && out("info", message),
    warn: (message) => rank <= 1 && out("warn", message),
    error: (message) => out("error", message),
    notice: (message) => out("notice", message),
    result: (fields) => out("notice", "RESULT", fields),
  };
}

/**
 * The RESULT a role's log ends with, from its lines in either format; undefined when there is
 * none. More than one is an error: every finite role reports exactly once.
 */
export function resultOf(lines: readonly string[]): Record<string, unknown> | undefined {
  const found = lines.flatMap((line) => {
    if (line.startsWith(RESULT_TAG)) return [JSON.parse(line.slice(RESULT_TAG.length)) as Record<string, unknown>];
    if (!line.startsWith("{") || !line.includes('"msg":"RESULT"')) return [];
    const entry = JSON.parse(line) as { role: string; replica: string; msg: string; result?: Record<string, unknown> };
    return entry.msg === "RESULT" && entry.result ? [{ role: entry.role, replica: entry.replica, ...entry.result }] : [];
  });
  if (found.length > 1) throw new Error(`${found.length} RESULT lines, expected one`);
  return found[0];
}

/** Renders rows as an aligned text table for a role's final report. */
export function table(header: string[], rows: Array<Array<string | number>>): string[] {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, col) => Math.max(...cells.map((row) => row[col]?.length ?? 0)));
  const line = (row: string[]) => row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)];
}

/** `1 task`, `2 tasks`: a count with its word, for log lines. */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
