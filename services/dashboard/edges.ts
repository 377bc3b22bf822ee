// The topology's edges: one per live TCP connection between two replicas, derived from what each
// role reports (its addresses, its sockets' endpoints and the kernel's established connections),
// since ZeroMQ counts per socket and names no peer. Socket-free, so the unit tests drive it.
import type { Node } from "./view.js";

/** One end of a connection: the replica, and its socket when the ports and names tell which. */
export interface End {
  replica: string;
  socket: number | null;
  type: string | null;
}

export interface Edge {
  /** The sender for one-way sockets (PUSH → PULL, PUB → SUB); else the connecting side. */
  from: End;
  to: End;
  /**
   * Messages per second over the connection (both ways): the rate of an end whose socket has
   * exactly this one connection, the receiver's first. Null when neither has (a PUSH bound for 3
   * consumers), or only a PUB has, whose count is of sends before the subscribers' filters: unknown.
   */
  rate: number | null;
}

const LIVE = new Set(["starting", "ready"]);
const SENDS = new Set(["Push", "Publisher", "XPublisher"]);
const RECEIVES = new Set(["Pull", "Subscriber", "XSubscriber"]);
const SENDS_TO_MANY = new Set(["Publisher", "XPublisher"]);

const ipOf = (address: string) => address.slice(0, address.lastIndexOf(":"));
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(":") + 1));
/** `bind tcp://*:5557` → { how: bind, host: *, port: 5557 }; `connect every replica of tcp://consumer:5558` too. */
function parseEndpoint(endpoint: string): { how: string; host: string; port: number } | undefined {
  const match = /^(bind|connect)\b.*\btcp:\/\/([^ ]*):(\d+)$/.exec(endpoint);
  return match ? { how: match[1]!, host: match[2]!, port: Number(match[3]) } : undefined;
}

/**
 * The socket of `node` that holds the connection `local` → `remote`: the one bound on the local
 * port; else the one connected to the remote port, and among several (a subscriber with one SUB
 * per publisher) the one whose endpoint names the peer's replica, service or IP. Null: no telling.
 */
function socketOf(node: Node, local: string, remote: string, peer: Node | undefined): { id: number; bound: boolean } | null {
  const open = node.sockets.filter((s) => !s.closed);
  const on = (how: string, port: number) => open.filter((s) => s.endpoints.some((e) => parseEndpoint(e)?.how === how && parseEndpoint(e)?.port === port));
  const bound = on("bind", portOf(local));
  if (bound.length === 1) return { id: bound[0]!.id, bound: true };
  if (bound.length > 1) return null;
  let connected = on("connect", portOf(remote));
  if (connected.length > 1) {
    const names = new Set([ipOf(remote), peer?.replica, peer?.service]);
    connected = connected.filter((s) => s.endpoints.some((e) => names.has(parseEndpoint(e)?.host)));
  }
  return connected.length === 1 ? { id: connected[0]!.id, bound: false } : null;
}

/** Every live connection between two live replicas that report their network, once each. */
export function edgesOf(nodes: readonly Node[]): Edge[] {
  const live = nodes.filter((n) => LIVE.has(n.state) && n.net);
  const owner = new Map<string, Node>();
  for (const node of live) for (const address of node.net!.addresses) owner.set(address, node);
  // Per node, its own connections by socket: "exactly one connection" is read from the node's own table.
  const held = new Map<Node, Map<number, Set<string>>>();
  for (const node of live) {
    const bySocket = new Map<number, Set<string>>();
    for (const [local, remote] of node.net!.connections) {
      const socket = socketOf(node, local, remote, owner.get(ipOf(remote)));
      if (socket) bySocket.set(socket.id, (bySocket.get(socket.id) ?? new Set()).add(`${local} ${remote}`));
    }
    held.set(node, bySocket);
  }

  const edges = new Map<string, Edge>();
  for (const node of live) {
    for (const [local, remote] of node.net!.connections) {
      const peer = owner.get(ipOf(remote));
      if (!peer || peer === node) continue;
      const key = [local, remote].sort().join(" ");
      if (edges.has(key)) continue;
      const ends = [
        { node, local, remote, socket: socketOf(node, local, remote, peer) },
        { node: peer, local: remote, remote: local, socket: socketOf(peer, remote, local, node) },
      ];
      const rateOf = ({ node: n, local: l, remote: r, socket: s }: (typeof ends)[number]) => {
        const mine = s && held.get(n)?.get(s.id);
        if (!s || mine?.size !== 1 || !mine.has(`${l} ${r}`)) return null;
        const rate = n.socketRates[s.id];
        return rate ? rate.in + rate.out : null;
      };
      const typeOf = (end: (typeof ends)[number]) => (end.socket ? (end.node.sockets.find((s) => s.id === end.socket!.id)?.type ?? null) : null);
      const [a, b] = ends as [(typeof ends)[number], (typeof ends)[number]];
      // Flow direction when a socket type has one; else client → server.
      const reversed = SENDS.has(typeOf(b) ?? "") || RECEIVES.has(typeOf(a) ?? "") || (!SENDS.has(typeOf(a) ?? "") && !RECEIVES.has(typeOf(b) ?? "") && a.socket?.bound === true);
      const [from, to] = reversed ? [b, a] : [a, b];
      // The receiving end first; never a PUB's count: it counts sends before each subscriber's filter.
      const rate = [to, from].filter((e) => !SENDS_TO_MANY.has(typeOf(e) ?? "")).map(rateOf).find((r) => r !== null) ?? null;
      const end = (e: typeof from): End => ({ replica: e.node.replica, socket: e.socket?.id ?? null, type: typeOf(e) });
      edges.set(key, { from: end(from), to: end(to), rate });
    }
  }
  return [...edges.values()].sort((x, y) => `${x.from.replica} ${x.to.replica}`.localeCompare(`${y.from.replica} ${y.to.replica}`, undefined, { numeric: true }));
}
