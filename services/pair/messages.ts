import { textOf } from "../runtime/index.js";

/** What the server sends on every exchange (the tutorial's text, kept for pyzmq peers). */
export const SERVER_MESSAGE = "Server message to Client";

export const clientMessage = (id: string, n: number, total: number) => `Client ${id} message to Server (${n}/${total})`;

// What our own pair-client sends; any other text (the tutorial's client, say) is a client message too.
const OUR_CLIENT = /^Client \S+ message to Server \(\d+\/\d+\)$/;

export type ClientAnswer = { text: string; ours: boolean };

/**
 * A client's answer: any text in one frame of valid UTF-8, flagged when it is not our client's
 * own form. Undefined when it is no text at all (several frames, bad UTF-8).
 */
export function parseClientMessage(frames: readonly Buffer[]): ClientAnswer | undefined {
  const text = textOf(frames);
  return text === undefined ? undefined : { text, ours: OUR_CLIENT.test(text) };
}
