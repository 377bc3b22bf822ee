import { connect } from "node:net";

/** One of each malformed frame a role must count as rejected and survive. */
export const GARBAGE: ReadonlyArray<readonly [kind: string, frames: Array<string | Buffer>]> = [
  ["bad-json", ['{"num": 5']],
  ["non-numeric", ['{"consumer": "intruder", "num": "five", "task": "x"}']],
  ["text", ["10001 hot"]],
  ["empty", [""]],
  ["multipart", ["part-1", "part-2", "part-3"]],
  // Over the roles' 64 KiB maxMessageSize: libzmq drops the connection, the role never sees it.
  ["oversized", [Buffer.alloc(128 * 1024, "A")]],
];

/**
 * Bytes that are not ZeroMQ at all, each sent on a plain TCP connection of its own: what a port
 * scanner, a browser or a confused client puts on a bound port. libzmq fails the handshake, and
 * the role counts it and never sees a message.
 */
export const RAW_GARBAGE: ReadonlyArray<readonly [kind: string, bytes: Buffer]> = [
  // As a browser sends it. Its first byte reads as the length of an old ZMTP 1.0 frame, so libzmq
  // waits for the rest of that frame and the intruder hangs up after INTRUDER_WAIT_MS.
  ["http", Buffer.from("GET / HTTP/1.1\r\nHost: zmq-lab\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: text/html,*/*\r\nConnection: keep-alive\r\n\r\n")],
  // A ZMTP signature, then a version and mechanism that make no sense: refused at once.
  ["bad-greeting", Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 9, 9]), Buffer.alloc(52, "?")])],
  ["noise", Buffer.alloc(256 * 1024, 0xff)],
];

/** Writes `bytes` on a fresh TCP connection and reports how the target answered. */
export function sendRaw(host: string, port: number, bytes: Buffer, wait: number): Promise<{ connected: boolean; outcome: string }> {
  return new Promise((resolve) => {
    let connected = false;
    let received = 0;
    let failure = "";
    const conn = connect(port, host, () => {
      connected = true;
      conn.write(bytes);
    });
    const timer = setTimeout(() => {
      conn.destroy();
      resolve({ connected, outcome: `${bytes.length} bytes sent, connection still open after ${wait} ms` });
    }, wait);
    conn.on("data", (chunk) => (received += chunk.length));
    // A reset while writing is the target hanging up on us, as much as a clean close is.
    conn.on("error", (err: NodeJS.ErrnoException) => (failure = err.code ?? err.message));
    conn.on("close", () => {
      clearTimeout(timer);
      const outcome = connected
        ? `${bytes.length} bytes sent, ${received} bytes back, then the target closed the connection${failure ? ` (${failure})` : ""}`
        : `could not connect: ${failure}`;
      resolve({ connected, outcome });
    });
  });
}

/**
 * What the flood sends the dashboard's telemetry SUB, in turns: one well-formed record with a field
 * the dashboard does not know (taken, the unknown field counted), then one message for each reason
 * the dashboard refuses with (its name for the reason first).
 */
export function telemetryFlood(round: number): ReadonlyArray<readonly [kind: string, frames: string[]]> {
  const record = { v: 1, role: "intruder", replica: "intruder-flood", pattern: "intruder", seq: round + 1, at: Date.now(), intervalMs: 500, state: "ready", dropped: 0, sockets: [], events: [] };
  return [
    ["record", [JSON.stringify({ ...record, flood: round })]],
    ["json", [`{"v":1,"role":"intruder","seq":${round}`]],
    ["version", [JSON.stringify({ ...record, v: 99 })]],
    ["frames", [JSON.stringify(record), "a second frame"]],
    ["name", [JSON.stringify({ ...record, replica: "../../etc" })]],
    ["numbers", [JSON.stringify({ ...record, seq: -1 })]],
  ];
}
