import * as zmq from "zeromq";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RAW_GARBAGE, sendRaw } from "../../services/intruder/garbage.js";
import { Guard } from "../../services/runtime/security.js";
import { memoryLog } from "../helpers/memory-log.js";

// Bytes that are not ZeroMQ, on a plaintext bound socket over loopback: the connection is closed,
// no message reaches the role, and the Guard counts every one as a rejected peer.
describe("raw garbage on a bound port", () => {
  const lines: string[] = [];
  const log = memoryLog(lines);
  const guard = new Guard({ mode: "off" }, log, () => undefined);
  const pull = new zmq.Pull({ linger: 0, maxMessageSize: 64 * 1024 });
  const messages: string[] = [];
  let port: number;

  beforeAll(async () => {
    await guard.server(pull);
    await pull.bind("tcp://127.0.0.1:*");
    port = Number(pull.lastEndpoint!.split(":").pop());
    void (async () => {
      for await (const frames of pull) messages.push(frames.map(String).join("|"));
    })().catch(() => undefined);
  });
  afterAll(() => pull.close());

  it("is hung up on (or, for HTTP, held until we hang up), counted, and never delivered", async () => {
    const outcomes: Record<string, string> = {};
    for (const [kind, bytes] of RAW_GARBAGE) {
      const { connected, outcome } = await sendRaw("127.0.0.1", port, bytes, 1000);
      expect(connected, kind).toBe(true);
      outcomes[kind] = outcome;
    }
    // A bad ZMTP greeting is refused at once. HTTP's first byte reads as an old ZMTP 1.0 frame
    // length, so libzmq waits for the rest of that frame; the intruder hangs up after its wait.
    expect(outcomes).toEqual({
      http: expect.stringMatching(/^\d+ bytes sent, connection still open after 1000 ms$/),
      "bad-greeting": expect.stringMatching(/^64 bytes sent, \d+ bytes back, then the target closed the connection/),
      noise: expect.stringMatching(/^262144 bytes sent, \d+ bytes back, then the target closed the connection/),
    });
    await vi.waitFor(() => expect(guard.rejectedPeers).toBe(RAW_GARBAGE.length), { timeout: 2000 });
    // The count includes failures still looking for their peer's address; their lines come once they settle.
    await guard.settled();
    // The peer's address (here loopback too) unless the refusal reset the connection, then the socket's own endpoint.
    expect(lines, lines.join("\n")).toContainEqual(
      expect.stringMatching(/^handshake failed \(protocol\) from (127.0.0.1|an unknown address \(connection already gone\)) on tcp:\/\/127.0.0.1:\d+: ZMTP protocol error \(x1\)$/),
    );
    expect(messages).toEqual([]);
  });

  it("reports a port nobody listens on as not connected", async () => {
    const closed = new zmq.Pull();
    await closed.bind("tcp://127.0.0.1:*");
    const free = Number(closed.lastEndpoint!.split(":").pop());
    closed.close();
    await vi.waitFor(async () => {
      const { connected, outcome } = await sendRaw("127.0.0.1", free, Buffer.from("x"), 1000);
      expect(connected).toBe(false);
      expect(outcome).toBe("could not connect: ECONNREFUSED");
    });
  });
});
