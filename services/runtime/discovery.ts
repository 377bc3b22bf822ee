import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import type * as zmq from "zeromq";
import { oneOf, tcpAddress } from "./config.js";
import type { Peers } from "./peers.js";

/**
 * How every role finds a service's replicas, and how a client connects to a server's name.
 * DISCOVERY: compose (the name lists every container) or tasks (Swarm: tasks.<service> lists
 * every replica, the name may be one virtual IP). CONNECT_TO: name (one connection: libzmq uses
 * the first address DNS gives, so one replica serves this client) or replicas (one connection per
 * replica, re-resolved as replicas come and go, so ZeroMQ's own round robin spreads the work).
 */
export const discoverySpec = {
  DISCOVERY: oneOf(["compose", "tasks"] as const)({ default: "compose", desc: "compose or tasks" }),
  CONNECT_TO: oneOf(["name", "replicas"] as const)({ default: "name", desc: "name or replicas" }),
};

type DiscoveryEnv = Partial<Record<keyof typeof discoverySpec, string>>;

/** The DNS name that lists every replica of `service`. */
const replicasName = (service: string, env: DiscoveryEnv = process.env) =>
  env.DISCOVERY === "tasks" ? `tasks.${service}` : service;

/** Every address `name` resolves to; none when it does not resolve (outside Docker, no replica yet). */
async function addressesOf(name: string): Promise<string[]> {
  try {
    const found = await lookup(name, { all: true, family: 4 });
    return [...new Set(found.map((entry) => entry.address))];
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ENODATA") return [];
    throw err;
  }
}

/**
 * How many replicas of a service are running: Docker's DNS answers with one address per running
 * container (compose) or task (Swarm, under tasks.<service>). 0 when the name does not resolve.
 */
export async function countReplicas(service: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return (await addressesOf(replicasName(service, env))).length;
}

/**
 * With CONNECT_TO=replicas, calls `onAdd` with `tcp://<address>:<port>` for every replica behind a
 * tcp:// endpoint's host, at once and every second for replicas that appear (rescheduled, scaled
 * up), until `signal`. Returns false (nothing done) in name mode, for a non-tcp endpoint, or for
 * an IP address, which is one replica already.
 */
export function followReplicas(
  endpoint: string,
  { signal, onAdd, env = process.env }: { signal: AbortSignal; onAdd: (replica: string) => void; env?: DiscoveryEnv },
): boolean {
  const tcp = tcpAddress(endpoint);
  if (env.CONNECT_TO !== "replicas" || !tcp || tcp.host === "*" || isIP(tcp.host) !== 0) return false;
  const found = new Set<string>();
  void (async () => {
    while (!signal.aborted) {
      for (const address of await addressesOf(replicasName(tcp.host, env))) {
        if (found.has(address) || signal.aborted) continue;
        found.add(address);
        onAdd(`tcp://${address}:${tcp.port}`);
      }
      await delay(1000, undefined, { signal }).catch(() => undefined);
    }
  })();
  return true;
}

/**
 * With CONNECT_TO=replicas, connects `socket` to every replica behind a tcp:// endpoint's host
 * (`followReplicas`), so ZeroMQ's own round robin spreads the work. `immediate` keeps messages off
 * connections not yet made, so a request never waits in a pipe to a replica that is gone.
 * Returns false (nothing done) where `followReplicas` does.
 */
export function connectEach(
  socket: zmq.Socket,
  endpoint: string,
  { signal, onAdd, env = process.env }: { signal: AbortSignal; onAdd?: (replica: string) => void; env?: DiscoveryEnv },
): boolean {
  const following = followReplicas(endpoint, {
    signal,
    env,
    onAdd: (replica) => {
      if (socket.closed) return;
      socket.connect(replica);
      onAdd?.(replica);
    },
  });
  // Before any connect: the first replica is found after this returns.
  if (following) socket.immediate = true;
  return following;
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
