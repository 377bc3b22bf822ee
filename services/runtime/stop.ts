// A broadcast stop, as zguide's tasksink2 sends KILL: the pipeline's producer and consumers wait
// for the collector's this way, and the producer also takes its confirmations on the same socket.
import * as zmq from "zeromq";
import { preview } from "./frames.js";
import type { Role } from "./lifecycle.js";

export interface StopListener {
  /** Who sends the stop, for the log line ("the collector"). */
  from: string;
  /** The SUB prefixes to take. */
  topics: string[];
  /** The stop's reason (safe to print), or undefined when the frames are not a stop. */
  stop(frames: Buffer[]): string | undefined;
  /** Anything else subscribed to: true when it was taken, false to log it as ignored. */
  other?(frames: Buffer[]): boolean;
}

/**
 * Connects a SUB socket to `endpoint` and waits there for the stop. When it arrives, closes
 * `sockets`, so a send or receive that waits on them ends, and aborts the returned signal (its
 * `reason` is the sender's).
 */
export function watchForStop(role: Role<unknown>, endpoint: string, sockets: zmq.Socket[], listener: StopListener): AbortSignal {
  const { log } = role;
  // Linger 0: once the sender is gone, a reconnecting SUB queues its subscription again, and
  // waiting to flush that would only delay the exit.
  const control = role.open(zmq.Subscriber, { linger: 0 });
  listener.topics.forEach((topic) => control.subscribe(topic));
  role.connect(control, endpoint);
  const controller = new AbortController();
  void (async () => {
    for (;;) {
      const frames = await control.receive();
      const reason = listener.stop(frames);
      if (reason !== undefined) return reason;
      if (listener.other?.(frames)) continue;
      log.warn(`ignored a control message that is not a stop: ${preview(frames)}`);
    }
  })().then(
    (reason) => {
      log.info(`stop from ${listener.from}: ${reason}`);
      controller.abort(reason);
      [control, ...sockets].forEach((socket) => socket.closed || socket.close());
    },
    // The control socket closed: the role is stopping on a signal already.
    () => undefined,
  );
  return controller.signal;
}
