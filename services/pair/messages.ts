import { textOf } from "../runtime/index.js";

/** What the server sends on every exchange (the tutorial's text, kept for pyzmq peers). */
export const SERVER_MESSAGE = "Server message to Client";

export const clientMessage = (id: string, n: number, total: number) => `Client ${id} message to Server (${n}/${total})`;

// Ours name the client and count; the tutorial's pyzmq client sends the bare "Client message to Server".
const CLIENT_MESSAGE = /^Client (?:\S+ )?message to Server(?: \(\d+\/\d+\))?$/;

/** The text of a well-formed client answer (one UTF-8 frame), or undefined. */
export function parseClientMessage(frames: readonly Buffer[]): string | undefined {
  const text = textOf(frames);
  return text !== undefined && CLIENT_MESSAGE.test(text) ? text : undefined;
}
