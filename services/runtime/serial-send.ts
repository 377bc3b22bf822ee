import type * as zmq from "zeromq";

/**
 * A send function that queues behind the previous one: zeromq.js allows one send in progress per
 * socket, and a role that sends from several loops (replies, heartbeats) would otherwise get EBUSY.
 * A send that fails (the socket closed, say) is reported to `onError` and does not block the next.
 */
export function serialSend(socket: zmq.Writable, onError: (err: unknown) => void): (frames: Array<Buffer | string>) => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return (frames) => (last = last.then(() => socket.send(frames)).catch(onError));
}
