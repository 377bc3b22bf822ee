// The request-reply wire format: plain UTF-8 text frames, as in the pyzmq tutorial. Our client
// sends "Hello from client <id>", the id by the runtime's one id rule; the server answers any text.
import { accept, ID, OTHER_PEER, reject, textOf, type Parsed } from "../runtime/index.js";

/** What the server answers unless REP_REPLY says otherwise. */
export const DEFAULT_REPLY = "Hi from Server";

const REQUEST = new RegExp(`^Hello from client (${ID})$`);

export const requestText = (id: string) => `Hello from client ${id}`;

/**
 * The client a request is counted for: the id of our client's request, OTHER_PEER for any other
 * text (the tutorial's plain strings). Rejected when it is no text (several frames, bad UTF-8).
 */
export function parseRequest(frames: readonly Buffer[]): Parsed<string> {
  const text = textOf(frames);
  return text === undefined ? reject("not one frame of UTF-8 text") : accept(REQUEST.exec(text)?.[1] ?? OTHER_PEER);
}
