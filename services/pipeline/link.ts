// The producer's and the consumers' view of the collector: whether one is there at all, and the
// producer's line to its batch port, which tells every collector that connects what the batch is.
import type * as zmq from "zeromq";
import { Exit, type Log } from "../runtime/index.js";
import { encodeBatchStart, encodeRedispatch, type BatchStart } from "./messages.js";

export interface Presence {
  /** True while a collector is attached to the socket. */
  readonly attached: boolean;
  /** Aborted once no collector was attached for `lostMs` in a row, since work began (`expect`) or since the last one left. */
  readonly lost: AbortSignal;
  /**
   * Work began (the batch start, a consumer's first task): from now on a missing collector counts.
   * Before that nothing waits on it, however long the lab takes to start its containers.
   */
  expect(): void;
  /**
   * For the end of a role's work: when it ended because the collector was lost (not on a stop or
   * a signal, given as `other`), logs why with what is `left` and returns exit code 3.
   */
  giveUp(log: Log, left: () => string, ...other: AbortSignal[]): number | undefined;
}

/**
 * Follows the collector's comings and goings on `socket`, connected to one of its ports at
 * `endpoint`, through the socket's monitor events. Once it is lost, closes `close`, so a send or
 * receive that waits on them ends.
 */
export function watchCollector(socket: zmq.Socket, { endpoint, lostMs, close }: { endpoint: string; lostMs: number; close: zmq.Socket[] }): Presence {
  const controller = new AbortController();
  let peers = 0;
  let timer: NodeJS.Timeout | undefined;
  // Unref'd: a batch that ends normally must not wait for this timer.
  const arm = () => (timer = setTimeout(() => controller.abort(), lostMs).unref());
  socket.events.on("handshake", () => {
    peers++;
    clearTimeout(timer);
  });
  socket.events.on("disconnect", () => {
    if (peers > 0 && --peers === 0) arm();
  });
  controller.signal.addEventListener("abort", () => close.forEach((s) => s.closed || s.close()));
  return {
    get attached() {
      return peers > 0;
    },
    lost: controller.signal,
    expect() {
      if (peers === 0 && timer === undefined) arm();
    },
    giveUp(log, left, ...other) {
      if (!controller.signal.aborted || other.some((signal) => signal.aborted)) return undefined;
      log.error(`no collector on ${endpoint} for ${lostMs} ms (COLLECTOR_LOST_MS); giving up with ${left()}`);
      return Exit.noPeer;
    },
  };
}

/**
 * The producer's PUSH line to the collector's batch port. Each connection is a collector that may
 * know nothing (one restarted mid-batch): it gets the batch start again under a new epoch, and
 * `onCollector` runs so the producer reopens every task until this collector confirms it.
 * Sends go out one at a time, in order; a send waiting for a collector holds no one else up.
 */
export class BatchLine {
  /** Connections to a collector so far; the collector echoes it in its confirmations. */
  epoch = 0;
  private batch: BatchStart | undefined;
  private queue = Promise.resolve();

  constructor(
    readonly socket: zmq.Push,
    private readonly log: Log,
    onCollector: (epoch: number) => void,
  ) {
    socket.events.on("handshake", ({ address }) => {
      this.epoch++;
      if (this.epoch > 1) log.info(`a collector connected again on ${address} (epoch ${this.epoch}); re-sending the batch start, every task open until it confirms it`);
      onCollector(this.epoch);
      if (this.batch) this.send(encodeBatchStart(this.batch, this.epoch));
    });
  }

  /** Announces the batch; a collector connecting later gets it on connection. */
  start(batch: BatchStart): void {
    this.batch = batch;
    this.send(encodeBatchStart(batch, this.epoch));
  }

  notify(ids: number[]): void {
    this.send(encodeRedispatch(ids));
  }

  private send(text: string): void {
    this.queue = this.queue
      .then(() => this.socket.send(text))
      .catch((err: Error) => {
        if (!this.socket.closed) this.log.warn(`batch port: ${err.message}`);
      });
  }
}
