/** What the server sends on every exchange (the tutorial's text, kept for pyzmq peers). */
export const SERVER_MESSAGE = "Server message to Client";

export const clientMessage = (id: string, n: number, total: number) => `Client ${id} message to Server (${n}/${total})`;

// Ours name the client and count; the tutorial's pyzmq client sends the bare "Client message to Server".
const CLIENT_MESSAGE = /^Client (?:\S+ )?message to Server(?: \(\d+\/\d+\))?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The text of a well-formed client answer (one UTF-8 frame), or undefined. */
export function parseClientMessage(frames: readonly Buffer[]): string | undefined {
  const [frame] = frames;
  if (frames.length !== 1 || frame === undefined) return undefined;
  try {
    const text = utf8.decode(frame);
    return CLIENT_MESSAGE.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** A short, escaped rendering of frames for a log line, whatever bytes they hold. */
export const preview = (frames: readonly Buffer[]) =>
  `${frames.length} frame(s): ${JSON.stringify(frames.map((frame) => frame.toString("utf8")).join(" + ").slice(0, 60))}`;
