import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { countReplicas, followReplicas, waitForPeers } from "../../services/runtime/discovery.js";
import { watchPeers } from "../../services/runtime/peers.js";

describe("discovery", () => {
  it("counts replicas by DNS, and 0 for a name that does not resolve", async () => {
    expect(await countReplicas("localhost")).toBeGreaterThanOrEqual(1);
    expect(await countReplicas("no-such-service.invalid")).toBe(0);
  });

  it("waits until the expected number of peers completed the handshake", async () => {
    const push = new zmq.Push({ linger: 0 });
    const peers = watchPeers(push);
    await push.bind("tcp://127.0.0.1:*");
    const pulls = [new zmq.Pull({ linger: 0 }), new zmq.Pull({ linger: 0 })];
    const progress: string[] = [];
    try {
      const waiting = waitForPeers(peers, {
        service: "unused",
        expected: 2,
        timeoutMs: 5000,
        pollMs: 20,
        onProgress: (connected, expected) => progress.push(`${connected}/${expected}`),
      });
      pulls.forEach((pull) => pull.connect(push.lastEndpoint!));
      expect(await waiting).toEqual({ expected: 2, connected: 2, complete: true });
      expect(progress[0]).toBe("0/2");
      expect(progress.at(-1)).toBe("2/2");

      pulls[0]!.close();
      await expect.poll(() => peers.count).toBe(1);
    } finally {
      pulls.forEach((pull) => pull.closed || pull.close());
      push.close();
    }
  });

  it("gives up after its timeout, reporting how many came", async () => {
    const push = new zmq.Push({ linger: 0 });
    const peers = watchPeers(push);
    await push.bind("tcp://127.0.0.1:*");
    try {
      const wait = await waitForPeers(peers, { service: "unused", expected: 3, timeoutMs: 150, pollMs: 20 });
      expect(wait).toEqual({ expected: 3, connected: 0, complete: false });
    } finally {
      push.close();
    }
  });

  it("expects one peer when DNS knows no replica, and waits for the count to settle", async () => {
    const push = new zmq.Push({ linger: 0 });
    const peers = watchPeers(push);
    await push.bind("tcp://127.0.0.1:*");
    const pull = new zmq.Pull({ linger: 0 });
    pull.connect(push.lastEndpoint!);
    try {
      const started = Date.now();
      const wait = await waitForPeers(peers, { service: "no-such-service.invalid", timeoutMs: 5000, settleMs: 200, pollMs: 20 });
      expect(wait).toEqual({ expected: 1, connected: 1, complete: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    } finally {
      pull.close();
      push.close();
    }
  });

  it("with CONNECT_TO=replicas follows every address of a name, and leaves an IP address or name mode alone", async () => {
    const controller = new AbortController();
    const found: string[] = [];
    try {
      const env = { CONNECT_TO: "replicas", DISCOVERY: "compose" };
      expect(followReplicas("tcp://localhost:5556", { env, signal: controller.signal, onAdd: (replica) => found.push(replica) })).toBe(true);
      expect(followReplicas("tcp://127.0.0.1:5556", { env, signal: controller.signal, onAdd: () => undefined })).toBe(false);
      expect(followReplicas("tcp://localhost:5556", { env: { ...env, CONNECT_TO: "name" }, signal: controller.signal, onAdd: () => undefined })).toBe(false);
      await expect.poll(() => found).toEqual(["tcp://127.0.0.1:5556"]);
    } finally {
      controller.abort();
    }
  });
});

