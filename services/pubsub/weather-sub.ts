// weather-sub: connects one SUB socket to each publisher in SUB_CONNECT (tcp://weather-pub-1:5556, ...),
// so the socket an update came on names its publisher. Subscribes to ZIP_FILTER and to that zip's count
// stream once all are connected, logs UPDATES matching updates, prints a report with drops, exits 0.
// Malformed messages are counted and skipped; no publisher or no update within SUB_TIMEOUT_MS exits 3.
import * as zmq from "zeromq";
import { endpoints, Exit, integer, preview, receiveAny, runRole, timeout, watchPeers } from "../runtime/index.js";
import { describeUpdate, publisherNames, WeatherReport } from "./report.js";
import { countTopic, parseMessage, topic, zipCode } from "./wire.js";

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
    const report = new WeatherReport(zip, names);
    role.figures(() => report.result());
    const feeds = config.SUB_CONNECT.map((endpoint, i) => {
      const socket = role.open(zmq.Subscriber);
      const peers = watchPeers(socket, log);
      // A new connection may lead to a restarted publisher, whose counts start again.
      socket.events.on("disconnect", () => report.lost(names[i]!));
      role.connect(socket, endpoint);
      return { endpoint, socket, peers, name: names[i]! };
    });
    role.ready(`zip ${zip}`);

    // Subscribe once every publisher is connected: the first to answer would otherwise fill the count alone.
    const missing = (await Promise.all(feeds.map((feed) => feed.peers.waitFor([feed.endpoint], timeout, role.signal)))).flat();
    if (role.stopping) return Exit.ok;
    if (missing.length > 0) {
      log.error(`no connection to ${missing.join(", ")} within ${timeout} ms; is that publisher running?`);
      log.result({ ...report.result(), verdict: "FAIL" });
      return Exit.noPeer;
    }
    for (const { socket } of feeds) [topic(zip), countTopic(zip)].forEach((prefix) => socket.subscribe(prefix));
    log.info(`subscribed to "${topic(zip)}" and "${countTopic(zip)}" on ${feeds.length} publisher(s); counting ${total} updates`);

    // When the first update came: the RESULT's `seconds` run from it to the last, the feed's rate as seen here.
    let first: number | undefined;
    for await (const arrival of receiveAny(feeds.map(({ socket }) => socket), timeout)) {
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
