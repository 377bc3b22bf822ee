// Reading text frames the way the tutorial's peers send them, and showing any frames in a log line.

import { clip } from "./sanitize.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The text of a message that is exactly one frame of valid UTF-8, or undefined. */
export function textOf(frames: readonly Buffer[]): string | undefined {
  const [frame] = frames;
  if (frames.length !== 1 || frame === undefined) return undefined;
  try {
    return utf8.decode(frame);
  } catch {
    return undefined;
  }
}

/** A short, quoted rendering of frames for a log line, whatever bytes they hold, cut like an id (see sanitize.ts). */
export function preview(frames: readonly Buffer[], max = 80): string {
  const shown = frames.map((frame) => JSON.stringify(frame.toString("utf8"))).join(" + ");
  return clip(frames.length === 1 ? shown : `${frames.length} frames: ${shown}`, max);
}
