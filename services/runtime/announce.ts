// A PUSH line that tells every peer that connects what it has to know first: the pipeline's
// producer gives each collector (a restarted one too) the batch start this way.
import type * as zmq from "zeromq";
import type { Log } from "./log.js";

/**
 * Each connection is a peer that may know nothing (one restarted mid-run): it gets the
 * announcement again under a new epoch, and `onPeer` runs first. Sends go out one at a time, in
 * order; a send waiting for a peer holds no one else up.
 */
export class Announcer {
  /** Connections to a peer so far; the peer may echo it, so replies to an earlier one can be told apart. */
  epoch = 0;
  private announcement: ((epoch: number) => string) | undefined;
  private queue = Promise.resolve();

  constructor(
    readonly socket: zmq.Push,
    private readonly log: Log,
    /** Names the line in its log lines ("batch port"). */
    private readonly name: string,
    onPeer: (epoch: number, address: string) => void,
  ) {
    socket.events.on("handshake", ({ address }) => {
      this.epoch++;
      onPeer(this.epoch, address);
      if (this.announcement) this.send(this.announcement(this.epoch));
    });
  }

  /** Sends the announcement now, and to every peer that connects later, encoded for its epoch. */
  announce(announcement: (epoch: number) => string): void {
    this.announcement = announcement;
    this.send(announcement(this.epoch));
  }

  /** Queues one message behind what is already on its way. */
  send(text: string): void {
    this.queue = this.queue
      .then(() => this.socket.send(text))
      .catch((err: Error) => {
        if (!this.socket.closed) this.log.warn(`${this.name}: ${err.message}`);
      });
  }
}
