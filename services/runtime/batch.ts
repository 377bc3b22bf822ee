// The lab's fast transport path: many small payloads ride in one multipart message, so one send
// (one promise, one trip into libzmq) carries up to `frames` payloads. The receiver reads one
// payload per frame; ZeroMQ delivers a multipart message whole or not at all.

export interface BatchLimits {
  /** Payload frames per message at most. */
  frames: number;
  /** Payload bytes per message at most; a single larger payload still goes alone. */
  bytes: number;
}

export const DEFAULT_BATCH: BatchLimits = { frames: 64, bytes: 128 * 1024 };

/**
 * Collects payloads and sends them as one multipart message once a limit is reached, or on
 * `flush()`. `head` frames (a PUB topic, say) go first in every message. Keep the order: await
 * each `add`, and `flush` before anything that must follow the payloads.
 */
export class Batcher {
  private frames: Buffer[] = [];
  private bytes = 0;

  constructor(
    private readonly send: (frames: Buffer[]) => Promise<void>,
    private readonly limits: BatchLimits = DEFAULT_BATCH,
    private readonly head: Buffer[] = [],
  ) {}

  /** Payloads waiting for the next send. */
  get pending(): number {
    return this.frames.length;
  }

  async add(payload: Buffer): Promise<void> {
    if (this.frames.length > 0 && this.bytes + payload.length > this.limits.bytes) await this.flush();
    this.frames.push(payload);
    this.bytes += payload.length;
    if (this.frames.length >= this.limits.frames || this.bytes >= this.limits.bytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.frames.length === 0) return;
    const message = [...this.head, ...this.frames];
    this.frames = [];
    this.bytes = 0;
    await this.send(message);
  }
}
