// intruder: connects to INTRUDER_TARGET the way an outsider on the compose network could.
// listen: waits for anything the target gives away (a reply, an update, a task) and reports it.
// garbage: sends one of each kind of malformed frame (see garbage.ts). INTRUDER_KEYS sets its CURVE stance.
// raw: opens plain TCP connections and writes bytes that are not ZeroMQ at all; works on any bound port.
// forge: sends well-formed lies, INTRUDER_SEND's lines INTRUDER_COUNT times ({i}: the round), one
// every INTRUDER_INTERVAL_MS; stops early when the target stops taking them.
// subscribe: a SUB socket subscribing to INTRUDER_COUNT unique topics of INTRUDER_FRAME_BYTES bytes, held for INTRUDER_WAIT_MS.
// endless: a plaintext ZMTP peer of type INTRUDER_SOCKET sending one message that never ends (see endless.ts).
// flood: an xpub socket that, once the target (the dashboard's telemetry SUB) subscribed, sends
// INTRUDER_COUNT telemetry messages at INTRUDER_RATE per second, well-formed and malformed in turns
// (garbage.ts); its RESULT counts them by kind. It never drops one: when the target falls behind,
// it waits; then it holds its socket open INTRUDER_WAIT_MS for the target to take what is queued.
import * as zmq from "zeromq";
import { curveKeyPair, endpoint, Exit, integer, millis, oneOf, runRole, tcpAddress, text, timeout } from "../runtime/index.js";
import { sendEndless } from "./endless.js";
import { GARBAGE, RAW_GARBAGE, sendRaw, telemetryFlood } from "./garbage.js";

type AnySocket = zmq.Socket & Partial<zmq.Readable> & Partial<zmq.Writable>;
const sockets = { req: zmq.Request, sub: zmq.Subscriber, pull: zmq.Pull, push: zmq.Push, pair: zmq.Pair, dealer: zmq.Dealer, xpub: zmq.XPublisher } as Record<
  "req" | "sub" | "pull" | "push" | "pair" | "dealer" | "xpub",
  new (options?: object) => AnySocket
>;

await runRole(
  "intruder",
  {
    INTRUDER_TARGET: endpoint({ default: "tcp://rep-server:5555" }),
    INTRUDER_SOCKET: oneOf(["req", "sub", "pull", "push", "pair", "dealer", "xpub"] as const)({ default: "req" }),
    INTRUDER_ACTION: oneOf(["listen", "garbage", "raw", "forge", "endless", "subscribe", "flood"] as const)({ default: "listen" }),
    INTRUDER_KEYS: oneOf(["none", "wrong-server", "unlisted", "stolen"] as const)({ default: "none" }),
    INTRUDER_WAIT_MS: timeout({ default: 3000 }),
    INTRUDER_SEND: text({ default: "" }),
    INTRUDER_COUNT: integer({ min: 1, max: 100_000, default: 1 }),
    INTRUDER_INTERVAL_MS: millis({ default: 0 }),
    INTRUDER_FRAME_BYTES: integer({ min: 1, max: 1024 * 1024, default: 60 * 1024 }),
    // The flood's pace; 0: as fast as the target takes them.
    INTRUDER_RATE: integer({ min: 0, max: 1_000_000, default: 10_000 }),
  },
  async (role) => {
    const { config, log } = role;
    const wait = config.INTRUDER_WAIT_MS;
    // A tcp://host:port target, as the config check makes sure for the actions that call this.
    const tcp = () => tcpAddress(config.INTRUDER_TARGET)!;
    if (config.INTRUDER_ACTION === "endless") {
      const { host, port } = tcp();
      const type = config.INTRUDER_SOCKET.toUpperCase();
      role.ready(`endless message to ${host}:${port} as ${type}, ${config.INTRUDER_FRAME_BYTES}-byte frames`);
      const run = await sendEndless(host, port, type, config.INTRUDER_FRAME_BYTES, wait);
      log.info(`endless: ${run.outcome}`);
      return run.connected ? Exit.ok : Exit.noPeer;
    }
    if (config.INTRUDER_ACTION === "raw") {
      const { host, port } = tcp();
      role.ready(`raw TCP to ${host}:${port}`);
      let refused = 0;
      for (const [kind, bytes] of RAW_GARBAGE) {
        const { connected, outcome } = await sendRaw(host, port, bytes, wait);
        log.info(`raw ${kind}: ${outcome}`);
        if (!connected) refused += 1;
      }
      return refused > 0 ? Exit.noPeer : Exit.ok;
    }
    // Each socket type accepts only the timeouts of the directions it has.
    const both = { receiveTimeout: wait, sendTimeout: wait };
    // The flood's xpub waits rather than drops (noDrop), so every message it counts reaches the target.
    const timeouts = { req: both, pair: both, dealer: both, sub: { receiveTimeout: wait }, pull: { receiveTimeout: wait }, push: { sendTimeout: wait }, xpub: { receiveTimeout: wait, noDrop: true } };
    const socket = role.open(sockets[config.INTRUDER_SOCKET], timeouts[config.INTRUDER_SOCKET]);
    // Its own keys, or (stolen) a lab service's keypair handed to it in CURVE_CLIENT_PUBLIC and
    // CURVE_CLIENT_SECRET; the server key is either random or the real public one.
    if (config.INTRUDER_KEYS !== "none") {
      const stolen = config.INTRUDER_KEYS === "stolen";
      const own = curveKeyPair();
      socket.curvePublicKey = stolen ? (process.env.CURVE_CLIENT_PUBLIC ?? "") : own.publicKey;
      socket.curveSecretKey = stolen ? (process.env.CURVE_CLIENT_SECRET ?? "") : own.secretKey;
      socket.curveServerKey = config.INTRUDER_KEYS === "wrong-server" ? curveKeyPair().publicKey : (process.env.CURVE_SERVER_PUBLIC ?? "");
    }
    if (config.INTRUDER_ACTION === "subscribe") {
      // Unique from the first bytes, so no subscription is a prefix of another.
      const filler = "x".repeat(config.INTRUDER_FRAME_BYTES);
      for (let i = 0; i < config.INTRUDER_COUNT; i++) (socket as zmq.Subscriber).subscribe(`${i}:${filler}`.slice(0, config.INTRUDER_FRAME_BYTES));
    } else if (config.INTRUDER_SOCKET === "sub") (socket as zmq.Subscriber).subscribe();
    socket.connect(config.INTRUDER_TARGET);
    role.ready(`${config.INTRUDER_SOCKET} socket, ${config.INTRUDER_ACTION}, keys: ${config.INTRUDER_KEYS}`);

    /** Sends; false when the target took nothing within the timeout (or refused it: EAGAIN). */
    const offer = (frames: string | Array<string | Buffer>): Promise<boolean> =>
      socket.send!(frames).then(
        () => true,
        (err) => (role.timedOut(err) ? false : Promise.reject(err)),
      );
    const receive = async (): Promise<string | undefined> => {
      const frames = await role.receive(socket as zmq.Socket & zmq.Readable);
      return frames?.map((frame) => frame.toString().slice(0, 80)).join(" | ");
    };

    if (config.INTRUDER_ACTION === "garbage") {
      for (const [kind, frames] of GARBAGE) {
        // pair-server speaks in turns and drops what is queued when its peer leaves: send only when it is our turn.
        if (socket instanceof zmq.Pair) log.info(`turn before ${kind}: ${(await receive()) ?? "none"}`);
        await socket.send!(frames);
        log.info(`sent ${kind} (${frames.length} frame(s))`);
        if (socket instanceof zmq.Request) log.info(`reply to ${kind}: ${(await receive()) ?? "none"}`);
      }
      return;
    }
    if (config.INTRUDER_ACTION === "flood") {
      // A PUB's messages before the subscription go nowhere: wait for it.
      if ((await receive()) === undefined) {
        log.info(`flood: the target did not subscribe within ${wait} ms`);
        return Exit.noPeer;
      }
      const sent: Record<string, number> = {};
      const started = performance.now();
      let total = 0;
      for (let round = 0; total < config.INTRUDER_COUNT && !role.stopping; round++) {
        for (const [kind, frames] of telemetryFlood(round)) {
          if (total === config.INTRUDER_COUNT) break;
          // Ahead of the pace: wait for it (a sleep of 1 ms or more, so messages go in bursts).
          while (config.INTRUDER_RATE > 0 && total >= ((performance.now() - started) * config.INTRUDER_RATE) / 1000) await role.sleep(1);
          // With noDrop, a full queue refuses the send (EAGAIN) instead of dropping it: try again.
          while (!(await offer(frames))) await role.sleep(1);
          sent[kind] = (sent[kind] ?? 0) + 1;
          total++;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      log.info(`flood: sent ${total} messages in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s); holding the socket ${wait} ms for the target to take them`);
      await role.sleep(wait);
      log.result({ action: "flood", sent, total, seconds });
      return;
    }
    if (config.INTRUDER_ACTION === "subscribe") {
      await role.sleep(wait);
      log.info(`subscribe: held ${config.INTRUDER_COUNT} subscriptions of ${config.INTRUDER_FRAME_BYTES} bytes for ${wait} ms`);
      return;
    }
    if (config.INTRUDER_ACTION === "forge") {
      const lines = config.INTRUDER_SEND.split("\n").filter((line) => line.length > 0);
      let sent = 0;
      for (let i = 0; i < config.INTRUDER_COUNT && !role.stopping; i++) {
        for (const line of lines) {
          const ok = await offer(line.replaceAll("{i}", String(i)));
          if (!ok) {
            log.info(`forged ${sent} messages; the target took no more within ${wait} ms`);
            return;
          }
          sent++;
          if (config.INTRUDER_INTERVAL_MS > 0) await role.sleep(config.INTRUDER_INTERVAL_MS);
        }
      }
      log.info(`forged ${sent} messages`);
      return;
    }
    // A REQ with no finished handshake can't even queue its request; that is a "nothing" too.
    let sent = true;
    if (socket instanceof zmq.Request) sent = await offer("Hello from client intruder");
    const got = sent ? await receive() : undefined;
    const nothing = `verdict: got nothing in ${config.INTRUDER_WAIT_MS} ms${sent ? "" : " (its request could not even be sent)"}`;
    log.info(got === undefined ? nothing : `verdict: received ${got}`);
  },
  { check: checkIntruder },
);

/** What each action needs of the socket type and the target, beyond each variable's own form. */
function checkIntruder({ INTRUDER_ACTION: action, INTRUDER_SOCKET: socket, INTRUDER_TARGET: target }: { INTRUDER_ACTION: string; INTRUDER_SOCKET: string; INTRUDER_TARGET: string }): string[] {
  const address = tcpAddress(target);
  if ((action === "endless" || action === "raw") && (!address || address.host === "*")) {
    return [`INTRUDER_TARGET: expected a tcp://host:port target for INTRUDER_ACTION=${action}, got "${target}"`];
  }
  if (action === "subscribe" && socket !== "sub") return [`INTRUDER_SOCKET: expected sub for INTRUDER_ACTION=subscribe, got "${socket}"`];
  if (action === "flood" && socket !== "xpub") return [`INTRUDER_SOCKET: expected xpub for INTRUDER_ACTION=flood, got "${socket}"`];
  const sends = ["req", "push", "pair", "dealer"];
  if ((action === "garbage" || action === "forge") && !sends.includes(socket)) {
    return [`INTRUDER_SOCKET: expected one of ${sends.join(", ")} for INTRUDER_ACTION=${action} (it sends), got "${socket}"`];
  }
  const receives = ["req", "sub", "pull", "pair", "dealer"];
  if (action === "listen" && !receives.includes(socket)) {
    return [`INTRUDER_SOCKET: expected one of ${receives.join(", ")} for INTRUDER_ACTION=listen (it receives), got "${socket}"`];
  }
  return [];
}
