// The endless message: a hand-written ZMTP 3.0 peer (NULL mechanism, so no keys) that declares a
// socket type the target accepts, then sends frames with MORE always set. The message never ends,
// so libzmq buffers every frame: neither maxMessageSize (per frame) nor the high-water mark
// (finished messages only) stops it.
import { connect } from "node:net";

/** The 64-byte ZMTP 3.0 greeting of a client using the NULL mechanism. */
function greeting(): Buffer {
  const bytes = Buffer.alloc(64);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes.write("NULL", 12, "ascii");
  return bytes;
}

/** The READY command naming our socket type (ZMTP 3.0 metadata: name, 4-byte length, value). */
function ready(socketType: string): Buffer {
  const property = Buffer.concat([Buffer.from([11]), Buffer.from("Socket-Type"), Buffer.alloc(4), Buffer.from(socketType)]);
  property.writeUInt32BE(socketType.length, 12);
  const body = Buffer.concat([Buffer.from([5]), Buffer.from("READY"), property]);
  return Buffer.concat([Buffer.from([0x04, body.length]), body]);
}

/** One frame of `size` bytes with the MORE flag (0x01) and an 8-byte length (LONG, 0x02). */
function moreFrame(size: number): Buffer {
  const frame = Buffer.alloc(9 + size, 0x41);
  frame[0] = 0x03;
  frame.writeBigUInt64BE(BigInt(size), 1);
  return frame;
}

export interface EndlessRun {
  connected: boolean;
  /** Bytes the kernel accepted for the target, greeting included. */
  sent: number;
  outcome: string;
}

/** Sends one endless message as `socketType` until the target hangs up or `wait` ms pass. */
export function sendEndless(host: string, port: number, socketType: string, frameBytes: number, wait: number): Promise<EndlessRun> {
  return new Promise((resolve) => {
    const frame = moreFrame(frameBytes);
    let connected = false;
    let open = true;
    let failure = "";
    let timedOut = false;
    const conn = connect(port, host, () => {
      connected = true;
      conn.write(Buffer.concat([greeting(), ready(socketType)]));
    });
    // libzmq takes a message that comes before its own READY went out for a protocol error: wait
    // for its greeting and READY (a short command frame: flags, size, body), then send.
    let heard = Buffer.alloc(0);
    const listen = (chunk: Buffer) => {
      heard = Buffer.concat([heard, chunk]);
      if (heard.length < 66 || heard.length < 66 + heard[65]!) return;
      conn.off("data", listen);
      pump();
    };
    conn.on("data", listen);
    // As fast as the target reads: write until the kernel's buffer is full, then wait for it to drain.
    const pump = () => {
      while (open && conn.write(frame));
    };
    conn.on("drain", pump);
    const timer = setTimeout(() => {
      timedOut = true;
      conn.destroy();
    }, wait);
    // A reset while writing is the target going away, as much as a clean close is.
    conn.on("error", (err: NodeJS.ErrnoException) => (failure = err.code ?? err.message));
    conn.on("close", () => {
      open = false;
      clearTimeout(timer);
      const sent = conn.bytesWritten;
      const mib = `${sent} bytes (${(sent / 2 ** 20).toFixed(1)} MiB)`;
      const outcome = !connected
        ? `could not connect: ${failure}`
        : timedOut
          ? `${mib} sent, connection still open after ${wait} ms`
          : `${mib} sent, then the target closed the connection${failure ? ` (${failure})` : ""}`;
      resolve({ connected, sent, outcome });
    });
  });
}
