import { createServer, type Server } from "node:net";
import * as zmq from "zeromq";
import { afterEach, describe, expect, it } from "vitest";
import { watchLink, type Link } from "../../services/runtime/link.js";

const names = { endpoint: "", connectVar: "REQ_CONNECT", server: "rep-server" };
const opened: zmq.Socket[] = [];
const servers: Server[] = [];
afterEach(() => {
  opened.splice(0).forEach((socket) => socket.closed || socket.close());
  servers.splice(0).forEach((server) => server.close());
});

/** A REQ socket watched by a fresh link, connected to `endpoint`. */
function watched(endpoint: string): { link: Link; socket: zmq.Request } {
  const link = watchLink({ ...names, endpoint });
  const socket = new zmq.Request({ linger: 0 });
  opened.push(socket);
  link.watch(socket);
  socket.connect(endpoint);
  return { link, socket };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
};

/** A TCP port that accepts and says nothing: a connection, never a ZMTP handshake. */
async function mute(): Promise<number> {
  const server = createServer((conn) => setTimeout(() => conn.destroy(), 50));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

describe("watchLink", () => {
  it("never connected: nothing listens", async () => {
    const { link } = watched("tcp://127.0.0.1:1");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(link.state).toBe("never connected");
    expect(link.explain("unused")).toBe("never connected to tcp://127.0.0.1:1: is rep-server running, and is REQ_CONNECT right?");
  });

  it("handshake failed: a TCP connection that never completes the ZMTP handshake", async () => {
    const { link } = watched(`tcp://127.0.0.1:${await mute()}`);
    await until(() => link.state !== "never connected");
    expect(link.state).toBe("handshake failed");
    expect(link.explain("unused")).toMatch(/^reached tcp:\/\/127\.0\.0\.1:\d+ but the handshake failed.*: CURVE mismatch\? ZMQ_CURVE must be the same on both sides/);
  });

  it("connected, then lost: heldSince turns false once the peer is gone", async () => {
    const server = new zmq.Reply({ linger: 0 });
    opened.push(server);
    await server.bind("tcp://127.0.0.1:*");
    const { link } = watched(server.lastEndpoint!);
    await until(() => link.state === "connected");
    const mark = link.mark();
    expect(link.heldSince(mark)).toBe(true);
    expect(link.explain("no reply")).toBe(`connected to ${server.lastEndpoint}, no reply`);
    server.close();
    await until(() => link.state === "lost");
    expect(link.state).toBe("lost");
    expect(link.heldSince(mark)).toBe(false);
  });
});
