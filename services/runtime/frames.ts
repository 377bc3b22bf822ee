// Reading text frames the way the tutorial's peers send them, and showing any frames in a log line.

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

/** A short, escaped rendering of frames for a log line, whatever bytes they hold. */
export function preview(frames: readonly Buffer[], max = 80): string {
  const shown = frames.map((frame) => JSON.stringify(frame.toString("utf8"))).join(" + ");
  const text = frames.length === 1 ? shown : `${frames.length} frames: ${shown}`;
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
