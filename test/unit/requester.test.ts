import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { afterEach, describe, expect, it } from "vitest";
import { watchLink } from "../../services/runtime/link.js";
import { MAX_TIMEOUT_MS, Patience, Requester } from "../../services/runtime/requester.js";

describe("Requester", () => {
  const opened: zmq.Socket[] = [];
  const discarded: zmq.Socket[] = [];
  const timedOut = (err: unknown) => (err as { code?: string }).code === "EAGAIN";
  const role = {
    stopping: false,
    timedOut,
    receive: (socket: zmq.Readable) => socket.receive().catch((err: unknown) => (timedOut(err) ? undefined : Promise.reject(err))),
    open<S extends zmq.Socket, O extends object>(Type: new (options?: O) => S, options?: O): S {
      const socket = new Type({ linger: 0, ...options } as O);
      opened.push(socket);
      return socket;
    },
    connect: (socket: zmq.Socket, endpoint: string) => socket.connect(endpoint),
    discard(socket: zmq.Socket) {
      discarded.push(socket);
      socket.close();
    },
  };
  afterEach(() => {
    opened.forEach((socket) => socket.closed || socket.close());
    opened.length = 0;
    discarded.length = 0;
  });
  const endpoint = () => `inproc://reqrep-${randomUUID()}`;
  /** A server socket bound on a fresh endpoint, and a Requester (2 retries) aimed at it. */
  async function serverAndRequester<S extends zmq.Reply | zmq.Router>(server: S, timeoutMs: number): Promise<{ server: S; requester: Requester }> {
    const at = endpoint();
    await server.bind(at);
    return { server, requester: new Requester(role, { endpoint: at, timeoutMs, retries: 2 }) };
  }

  it("returns the reply on the first socket when the server answers", async () => {
    const { server, requester } = await serverAndRequester(new zmq.Reply({ linger: 0 }), 1000);
    const serving = (async () => {
      const [request] = await server.receive();
      await server.send(`echo ${request}`);
    })();
    expect(await requester.request("hi")).toBe("echo hi");
    await serving;
    server.close();
    expect(opened).toHaveLength(1);
    expect(discarded).toHaveLength(0);
  });

  it("resends on a fresh socket after a lost reply", async () => {
    // A ROUTER can leave a request unanswered, which a REP can't.
    const { server, requester } = await serverAndRequester(new zmq.Router({ linger: 0 }), 200);
    const serving = (async () => {
      const [first] = await server.receive();
      const [second, empty, body] = await server.receive();
      await server.send([second!, empty!, `late ${body}`]);
      return { first: first!, second: second! };
    })();
    const retries: number[] = [];
    expect(await requester.request("hi", (attempt) => retries.push(attempt))).toBe("late hi");
    const { first, second } = await serving;
    server.close();
    expect(retries).toEqual([2]);
    expect(opened).toHaveLength(2);
    expect(discarded).toEqual([opened[0]]);
    expect(second.equals(first)).toBe(false);
  });

  it("gives up after 1 + retries attempts, each waiting the full timeout", async () => {
    const requester = new Requester(role, { endpoint: endpoint(), timeoutMs: 150, retries: 2 });
    const retries: number[] = [];
    const started = performance.now();
    expect(await requester.request("anyone?", (attempt) => retries.push(attempt))).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 150 - 20);
    expect(retries).toEqual([2, 3]);
    expect(requester.attempts).toBe(3);
    expect(discarded).toHaveLength(3);
  });

  it("with backoff, keeps a request queued at a connected, slow server instead of resending it", async () => {
    // tcp on localhost, so the link sees the handshake (inproc has none).
    const server = new zmq.Router({ linger: 0 });
    await server.bind("tcp://127.0.0.1:*");
    const at = server.lastEndpoint!;
    const link = watchLink({ endpoint: at, connectVar: "REQ_CONNECT", server: "test" });
    const requester = new Requester(role, { endpoint: at, timeoutMs: 200, retries: 2, backoff: true, link, random: () => 0.5 });
    const serving = (async () => {
      const [peer, empty, body] = await server.receive();
      // Slower than the first wait, well within the second.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.send([peer!, empty!, `slow ${body}`]);
    })();
    const retries: Array<[number, number, boolean]> = [];
    expect(await requester.request("hi", (attempt, _, next, resent) => retries.push([attempt, next, resent]))).toBe("slow hi");
    await serving;
    server.close();
    expect(retries).toEqual([[2, 400, false]]);
    expect(opened).toHaveLength(1);
    expect(discarded).toHaveLength(0);
    expect(link.state).toBe("connected");
  });
});

describe("Patience", () => {
  it("with backoff off, every attempt waits the timeout", () => {
    const patience = new Patience(3000, false);
    patience.answered(20_000);
    expect([1, 2, 3].map((attempt) => patience.timeout(attempt))).toEqual([3000, 3000, 3000]);
  });

  it("doubles the wait per retry, ±20% jitter, capped", () => {
    const low = new Patience(3000, true, () => 0);
    const high = new Patience(3000, true, () => 0.999_999);
    expect([1, 2, 3].map((attempt) => low.timeout(attempt))).toEqual([3000, 4800, 9600]);
    expect([1, 2, 3].map((attempt) => high.timeout(attempt))).toEqual([3000, 7200, 14_400]);
    expect(high.timeout(10)).toBe(MAX_TIMEOUT_MS);
  });

  it("starts a request's wait from the round trips seen (RFC 6298), never below the timeout", () => {
    const patience = new Patience(3000, true, () => 0.5);
    patience.answered(100);
    expect(patience.timeout(1)).toBe(3000);
    // A queue of about 9 s: the first attempt now waits past it instead of timing out every time.
    const slow = new Patience(3000, true, () => 0.5);
    slow.answered(9000);
    expect(slow.timeout(1)).toBe(9000 + 4 * 4500);
    slow.answered(9000);
    expect(slow.timeout(1)).toBe(9000 + 4 * 0.75 * 4500);
  });
});
