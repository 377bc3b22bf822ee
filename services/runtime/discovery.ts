import { lookup } from "node:dns/promises";
import { setTimeout as delay } from "node:timers/promises";
import type { Peers } from "./peers.js";

/**
 * How many replicas of a compose service are running: Docker's DNS answers a service name with
 * one address per running container. 0 when the name does not resolve (outside Docker).
 */
export async function countReplicas(service: string): Promise<number> {
  try {
    const found = await lookup(service, { all: true });
    return new Set(found.map((entry) => entry.address)).size;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ENODATA") return 0;
    throw err;
  }
}

export interface PeerWaitOptions {
  /** The compose service whose replicas should all connect. */
  service: string;
  /** A fixed number of peers instead of asking DNS; 0 or absent means ask DNS. */
  expected?: number;
  /** Give up after this long and report an incomplete wait. */
  timeoutMs: number;
  /** The replica count must stay the same this long, since replicas start one by one. */
  settleMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** Called whenever the connected or expected count changes. */
  onProgress?: (connected: number, expected: number) => void;
}

export interface PeerWait {
  expected: number;
  connected: number;
  /** False when the wait timed out or was aborted. */
  complete: boolean;
}

/**
 * Waits until as many peers are attached as the service has replicas (at least one), with the
 * replica count stable for `settleMs`. Bounded by `timeoutMs` and `signal`.
 */
export async function waitForPeers(peers: Pick<Peers, "count">, options: PeerWaitOptions): Promise<PeerWait> {
  const { service, timeoutMs, settleMs = 1000, pollMs = 100, signal, onProgress } = options;
  const fixed = options.expected ?? 0;
  const deadline = Date.now() + timeoutMs;
  let expected = -1;
  let stableSince = Date.now();
  let shown = "";
  for (;;) {
    const found = Math.max(1, fixed || (await countReplicas(service)));
    if (found !== expected) [expected, stableSince] = [found, Date.now()];
    const connected = peers.count;
    if (`${connected}/${expected}` !== shown) {
      shown = `${connected}/${expected}`;
      onProgress?.(connected, expected);
    }
    const settled = fixed > 0 || Date.now() - stableSince >= settleMs;
    if (connected >= expected && settled) return { expected, connected, complete: true };
    if (Date.now() >= deadline || signal?.aborted) return { expected, connected, complete: false };
    await delay(pollMs, undefined, { signal }).catch(() => undefined);
  }
}
