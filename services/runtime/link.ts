// What a connecting socket saw of its server, from its monitor events, so a client that hears
// nothing can say why: it never reached the server, it reached it but the ZMTP handshake failed
// (CURVE keys that don't match), or it is connected and the server simply doesn't answer.
import type * as zmq from "zeromq";

export type LinkState = "never connected" | "handshake failed" | "connected" | "lost";

export interface Link {
  /** Follows one more socket to the same server (a Lazy Pirate client opens a fresh one per retry). */
  watch(socket: zmq.Socket): void;
  /**
   * The best news seen on any watched socket: a finished handshake beats a failed one beats
   * nothing. "lost": the newest socket had a peer and lost it, or never got one after an older did.
   */
  readonly state: LinkState;
  /**
   * Why a client hears nothing, in one sentence that names what to check. `connected` is the
   * client's own explanation for a server that is reachable but silent.
   */
  explain(connected: string): string;
  /** A mark for `heldSince`: how many peers the newest socket has lost so far. */
  mark(): number;
  /** True when the newest socket has its peer now and has lost none since `mark`: what it sent is still there. */
  heldSince(mark: number): boolean;
}

export interface LinkNames {
  /** The endpoint the client connects to. */
  endpoint: string;
  /** The variable holding it, e.g. REQ_CONNECT. */
  connectVar: string;
  /** The compose service that should be serving it, e.g. rep-server. */
  server: string;
}

/** Call before `connect`, so the first attempt is seen. */
export function watchLink({ endpoint, connectVar, server }: LinkNames): Link {
  let handshakes = 0;
  let tcpConnects = 0;
  let lastError: string | undefined;
  // Peers of the newest socket: the one the client is waiting on now.
  let current: zmq.Socket | undefined;
  let attached = 0;
  let drops = 0;

  const link: Link = {
    watch(socket) {
      current = socket;
      attached = 0;
      drops = 0;
      const mine = () => current === socket;
      socket.events.on("connect", () => void tcpConnects++);
      socket.events.on("handshake", () => {
        handshakes++;
        if (mine()) attached++;
      });
      socket.events.on("disconnect", () => {
        if (!mine() || attached === 0) return;
        attached--;
        drops++;
      });
      const failed = ({ error }: { error: Error }) => void (lastError = error.message);
      socket.events.on("handshake:error:protocol", failed);
      socket.events.on("handshake:error:auth", failed);
      socket.events.on("handshake:error:other", failed);
    },
    get state(): LinkState {
      if (handshakes > 0) return attached > 0 ? "connected" : "lost";
      return tcpConnects > 0 || lastError !== undefined ? "handshake failed" : "never connected";
    },
    mark: () => drops,
    heldSince: (mark) => attached > 0 && drops === mark,
    explain(connected) {
      switch (link.state) {
        case "never connected":
          return `never connected to ${endpoint}: is ${server} running, and is ${connectVar} right?`;
        case "handshake failed":
          // A server that can't decrypt the client's hello just drops it: the client sees no error, only a TCP connect.
          return (
            `reached ${endpoint} but the handshake failed${lastError ? ` (${lastError})` : ""}: CURVE mismatch? ` +
            `ZMQ_CURVE must be the same on both sides, and CURVE_SERVER_PUBLIC the server's key (npm run keys)`
          );
        case "lost":
          return `lost ${endpoint} after it had answered the handshake: did ${server} stop?`;
        case "connected":
          return `connected to ${endpoint}, ${connected}`;
      }
    },
  };
  return link;
}
