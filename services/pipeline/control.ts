// The collector's control broadcast: the stop, as producer and consumers receive it (zguide's
// tasksink2 KILL), and the confirmations of finished tasks, which only the producer takes.
import * as zmq from "zeromq";
import type { Role } from "../runtime/index.js";
import { DONE_TOPIC, parseDone, parseStop, STOP_TOPIC } from "./messages.js";

/**
 * Connects a SUB socket to the collector's `endpoint` and waits there for the stop message. When
 * it arrives, closes `sockets`, so a send or receive that waits on them ends, and aborts the
 * returned signal (its `reason` is the collector's). With `onDone`, also takes the collector's
 * confirmations and calls it with each confirmed task id and the collector's epoch.
 */
export function watchForStop(
  role: Role<unknown>,
  endpoint: string,
  sockets: zmq.Socket[],
  onDone?: (done: { task: number; epoch?: number }) => void,
): AbortSignal {
  const { log } = role;
  // Linger 0: once the collector is gone, a reconnecting SUB queues its subscription again, and
  // waiting to flush that would only delay the exit.
  const control = role.open(zmq.Subscriber, { linger: 0 });
  control.subscribe(STOP_TOPIC);
  if (onDone) control.subscribe(DONE_TOPIC);
  role.connect(control, endpoint);
  const controller = new AbortController();
  void (async () => {
    for (;;) {
      const frames = await control.receive();
      const reason = parseStop(frames);
      if (reason !== undefined) return reason;
      const done = parseDone(frames);
      if (onDone && done !== undefined) {
        onDone(done);
        continue;
      }
      log.warn(`ignored a control message that is not a stop: ${frames.map(String).join(" | ").slice(0, 80)}`);
    }
  })().then(
    (reason) => {
      log.info(`stop from the collector: ${reason}`);
      controller.abort(reason);
      [control, ...sockets].forEach((socket) => socket.closed || socket.close());
    },
    // The control socket closed: the role is stopping on a signal already.
    () => undefined,
  );
  return controller.signal;
}
