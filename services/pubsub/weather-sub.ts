// weather-sub: connects one SUB socket to each publisher in SUB_CONNECT (tcp://weather-pub-1:5556, ...),
// so the socket an update came on names its publisher; with CONNECT_TO=replicas, one to each replica of
// each, named as Docker names it (weather-pub-1-2). Subscribes to ZIP_FILTER and to that zip's count
// stream once all are connected, logs UPDATES matching updates, prints a report with drops, exits 0.
// Malformed messages are counted and skipped; no publisher or no update within SUB_TIMEOUT_MS exits 3.
import * as zmq from "zeromq";
import { endpoints, Exit, GrowingList, integer, nameOf, preview, receiveAny, runRole, tcpAddress, timeout, watchPeers, type Peers } from "../runtime/index.js";
import { describeUpdate, publisherNames, WeatherReport } from "./report.js";
import { countTopic, parseMessage, topic, zipCode } from "./wire.js";

/** With CONNECT_TO=replicas: subscribe once no new replica appeared for this long, so none starts late. */
const SETTLE_MS = 1000;

interface Feed {
  endpoint: string;
  name: string;
  peers: Peers;
  /** Its publisher's place in SUB_CONNECT. */
  of: number;
}

await runRole(
  "weather-sub",
  {
    SUB_CONNECT: endpoints({ default: ["tcp://weather-pub-1:5556", "tcp://weather-pub-2:5556"] }),
    ZIP_FILTER: zipCode({ default: "10001" }),
    UPDATES: integer({ min: 1, max: 1_000_000, default: 20 }),
    SUB_TIMEOUT_MS: timeout({ default: 10_000 }),
  },
  async (role) => {
    const { config, log } = role;
    const { UPDATES: total, SUB_TIMEOUT_MS: timeout, ZIP_FILTER: zip } = config;
    const names = publisherNames(config.SUB_CONNECT);
    const report = new WeatherReport(zip, []);
    role.figures(() => report.result());
    // feeds[i] is what came on sockets.items[i]; receiveAny reads a socket from its push on.
    const feeds: Feed[] = [];
    const sockets = new GrowingList<zmq.Subscriber>();
    let subscribed = false;
    let lastAdded = performance.now();
    const subscribe = (socket: zmq.Subscriber) => [topic(zip), countTopic(zip)].forEach((prefix) => socket.subscribe(prefix));
    const add = (endpoint: string, name: string, of: number) => {
      if (role.stopping) return;
      const socket = role.open(zmq.Subscriber);
      const peers = watchPeers(socket, log);
      report.track(name);
      // A new connection may lead to a restarted publisher, whose counts start again.
      socket.events.on("disconnect", () => report.lost(name));
      role.connect(socket, endpoint);
      if (subscribed) subscribe(socket);
      feeds.push({ endpoint, name, peers, of });
      sockets.push(socket);
      lastAdded = performance.now();
    };
    const following = config.SUB_CONNECT.map((endpoint, i) =>
      role.eachReplica(endpoint, (replica) => {
        const address = tcpAddress(replica)!.host;
        void nameOf(address).then((name) => add(replica, name ?? replica.replace(/^tcp:\/\//, ""), i));
      }) || (add(endpoint, names[i]!, i), false),
    ).some(Boolean);
    role.ready(`zip ${zip}`);

    // Subscribe once every publisher (every replica found) is connected: the first to answer would otherwise fill the count alone.
    const unready = () => [
      ...config.SUB_CONNECT.filter((_, i) => !feeds.some((feed) => feed.of === i)),
      ...feeds.filter((feed) => feed.peers.count === 0).map((feed) => feed.endpoint),
    ];
    const deadline = performance.now() + timeout;
    const settling = () => following && performance.now() - lastAdded < SETTLE_MS;
    while (!role.stopping && performance.now() < deadline && (unready().length > 0 || settling())) await role.sleep(50);
    if (role.stopping) return Exit.ok;
    const missing = unready();
    if (missing.length > 0) {
      log.error(`no connection to ${missing.join(", ")} within ${timeout} ms; is that publisher running?`);
      log.result({ ...report.result(), verdict: "FAIL" });
      return Exit.noPeer;
    }
    subscribed = true;
    sockets.items.forEach(subscribe);
    log.info(`subscribed to "${topic(zip)}" and "${countTopic(zip)}" on ${feeds.length} publisher(s); counting ${total} updates`);

    // When the first update came: the RESULT's `seconds` run from it to the last, the feed's rate as seen here.
    let first: number | undefined;
    for await (const arrival of receiveAny(sockets, timeout)) {
      if (!arrival) {
        log.error(`no update for zip ${zip} within ${timeout} ms; is it inside the publishers' PUB_ZIPS?`);
        report.lines().forEach((line) => log.info(line));
        log.result({ ...report.result(), verdict: "FAIL" });
        return Exit.noPeer;
      }
      const { name } = feeds[arrival.index]!;
      const parsed = parseMessage(arrival.frames, zip);
      if (!parsed.ok) {
        report.reject();
        log.warn(`rejected message from ${name} (${report.rejected} so far): ${parsed.reason}: ${preview(arrival.frames)}`);
      } else if ("sent" in parsed.value) {
        const { count } = parsed.value.sent;
        const dropped = report.sent(name, count);
        if (dropped > 0) log.warn(`${name} counts ${count} updates for ${zip}: ${dropped} of them never arrived`);
      } else {
        const { update } = parsed.value;
        const n = report.add(name, update);
        first ??= performance.now();
        log.each(() => `update ${report.count}/${total}: ${describeUpdate(update, name, n)}`);
        if (report.count >= total) break;
      }
    }
    if (role.stopping) log.info(`stopped after ${report.count} of ${total} updates`);
    report.lines().forEach((line) => log.notice(line));
    const seconds = first === undefined ? 0 : (performance.now() - first) / 1000;
    if (!role.stopping) log.result({ ...report.result(), seconds: Number(seconds.toFixed(4)), verdict: "PASS" });
  },
  { verdict: true },
);
