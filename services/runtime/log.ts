import { hostname } from "node:os";

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * One line per event, prefixed `role@host`, so interleaved container logs stay readable. A
 * multi-line message (a stack trace) gets the prefix on every line.
 */
export function createLog(role: string, host = hostname()): Log {
  const prefixed = (level: string, message: string) =>
    message
      .split("\n")
      .map((line) => `${role}@${host} ${level}${line}`)
      .join("\n");
  return {
    info: (message) => console.log(prefixed("", message)),
    warn: (message) => console.warn(prefixed("WARN ", message)),
    error: (message) => console.error(prefixed("ERROR ", message)),
  };
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
