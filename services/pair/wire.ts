// The pair wire format: plain UTF-8 text in one frame each way, as in the pyzmq tutorial.
import { accept, ID, reject, textOf, type Parsed } from "../runtime/index.js";

/** What the server sends on every exchange (the tutorial's text, kept for pyzmq peers). */
export const SERVER_MESSAGE = "Server message to Client";

export const clientMessage = (id: string, n: number, total: number) => `Client ${id} message to Server (${n}/${total})`;

// What our own pair-client sends, its id by the runtime's id rule; any other text (the tutorial's
// client, say) is a client message too.
const OUR_CLIENT = new RegExp(`^Client (${ID}) message to Server \\(\\d{1,7}/\\d{1,7}\\)$`);

/** A client's answer; `id` is set when it is our client's own form. */
export type ClientAnswer = { text: string; id?: string };

/**
 * A client's answer: any text in one frame of valid UTF-8, flagged when it is not our client's
 * own form (with its id). Rejected when it is no text at all (several frames, bad UTF-8).
 */
export function parseClientMessage(frames: readonly Buffer[]): Parsed<ClientAnswer> {
  const text = textOf(frames);
  return text === undefined ? reject("not one frame of UTF-8 text") : accept({ text, id: OUR_CLIENT.exec(text)?.[1] });
}
