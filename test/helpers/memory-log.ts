import type { Log } from "../../services/runtime/log.js";

/** A Log that keeps each message as given (no prefix, no level), for a unit test to read. */
export function memoryLog(lines: string[] = []): Log {
  const keep = (message: string) => void lines.push(message);
  return { each: keep, info: keep, warn: keep, error: keep, notice: keep, result: (fields) => keep(`RESULT ${JSON.stringify(fields)}`) };
}
