import { hostname } from "node:os";

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One line per event, prefixed `role@host`, so interleaved container logs stay readable. */
export function createLog(role: string, host = hostname()): Log {
  const prefix = `${role}@${host}`;
  return {
    info: (message) => console.log(`${prefix} ${message}`),
    warn: (message) => console.warn(`${prefix} WARN ${message}`),
    error: (message) => console.error(`${prefix} ERROR ${message}`),
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
