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
/** A lab draws about 4 edges per replica; a flood of made-up connections stops at these. */
export const MAX_EDGES = 1000;
const MAX_CONNECTIONS = 5000;
const byName = new Intl.Collator(undefined, { numeric: true }).compare;
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
 * A node's open sockets by the ports they bind, and by the ports they connect to and the host each
 * endpoint names. -1: more than one socket, so no telling.
 */
interface Ports {
  bind: Map<number, number>;
  connect: Map<number, { id: number; byHost: Map<string, number> }>;
}

function portsOf(node: Node): Ports {
  const ports: Ports = { bind: new Map(), connect: new Map() };
  const one = (known: number | undefined, id: number) => (known === undefined || known === id ? id : -1);
  for (const socket of node.sockets) {
    if (socket.closed) continue;
    for (const endpoint of socket.endpoints) {
      const parsed = parseEndpoint(endpoint);
      if (parsed?.how === "bind") ports.bind.set(parsed.port, one(ports.bind.get(parsed.port), socket.id));
      else if (parsed) {
        const entry = ports.connect.get(parsed.port) ?? { id: socket.id, byHost: new Map<string, number>() };
        entry.id = one(entry.id, socket.id);
        entry.byHost.set(parsed.host, one(entry.byHost.get(parsed.host), socket.id));
        ports.connect.set(parsed.port, entry);
      }
    }
  }
  return ports;
}

/**
 * The socket of a node (`ports`) that holds the connection `local` → `remote`: the one bound on the
 * local port; else the one connected to the remote port, and among several (a subscriber with one
 * SUB per publisher) the one whose endpoint names the peer's replica, service or IP. Null: no telling.
 */
function socketOf(ports: Ports, local: string, remote: string, peer: Node | undefined): { id: number; bound: boolean } | null {
  const bound = ports.bind.get(portOf(local));
  if (bound !== undefined) return bound >= 0 ? { id: bound, bound: true } : null;
  const connected = ports.connect.get(portOf(remote));
  if (!connected) return null;
  if (connected.id >= 0) return { id: connected.id, bound: false };
  const named = [ipOf(remote), peer?.replica, peer?.service].map((host) => (host === undefined ? undefined : connected.byHost.get(host))).filter((id) => id !== undefined);
  const ids = new Set(named);
  return ids.size === 1 && named[0]! >= 0 ? { id: named[0]!, bound: false } : null;
}

/** Every live connection between two live replicas that report their network, once each. */
export function edgesOf(nodes: readonly Node[]): Edge[] {
  const live = nodes.filter((n) => LIVE.has(n.state) && n.net);
  const owner = new Map<string, Node>();
  for (const node of live) for (const address of node.net!.addresses) owner.set(address, node);
  const ports = new Map(live.map((node) => [node, portsOf(node)]));
  // Per node, its own connections by socket: "exactly one connection" is read from the node's own
  // table. Each socket's count, and its first connection.
  const held = new Map<Node, Map<number, { count: number; first: string }>>();
  let budget = MAX_CONNECTIONS;
  for (const node of live) {
    if ((budget -= node.net!.connections.length) < 0) break;
    const bySocket = new Map<number, { count: number; first: string }>();
    for (const [local, remote] of node.net!.connections) {
      const socket = socketOf(ports.get(node)!, local, remote, owner.get(ipOf(remote)));
      if (!socket) continue;
      const seen = bySocket.get(socket.id);
      if (seen) seen.count++;
      else bySocket.set(socket.id, { count: 1, first: `${local} ${remote}` });
    }
    held.set(node, bySocket);
  }

  const edges = new Map<string, Edge>();
  for (const node of held.keys()) {
    for (const [local, remote] of node.net!.connections) {
      const peer = owner.get(ipOf(remote));
      if (peer && !held.has(peer)) continue;
      if (!peer || peer === node) continue;
      const key = [local, remote].sort().join(" ");
      if (edges.has(key)) continue;
      if (edges.size >= MAX_EDGES) break;
      const ends = [
        { node, local, remote, socket: socketOf(ports.get(node)!, local, remote, peer) },
        { node: peer, local: remote, remote: local, socket: socketOf(ports.get(peer)!, remote, local, node) },
      ];
      const rateOf = ({ node: n, local: l, remote: r, socket: s }: (typeof ends)[number]) => {
        const mine = s && held.get(n)?.get(s.id);
        if (!s || mine?.count !== 1 || mine.first !== `${l} ${r}`) return null;
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
  return [...edges.values()].sort((x, y) => byName(x.from.replica, y.from.replica) || byName(x.to.replica, y.to.replica));
}
