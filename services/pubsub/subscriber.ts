// weather-sub: connects a SUB socket to every publisher in SUB_CONNECT (tcp://weather-pub-1:5556, ...).
// Subscribes to ZIP_FILTER once all are connected, logs UPDATES matching updates, prints a report, exits 0.
// Malformed updates are counted and skipped; no publisher or no update within SUB_TIMEOUT_MS exits 3.
import * as zmq from "zeromq";
import { endpoints, Exit, integer, runRole, timeout, watchPeers } from "../runtime/index.js";
import { describeUpdate, parseMessage, topic, WeatherReport, zipCode } from "./weather.js";

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
    const { UPDATES: total, SUB_TIMEOUT_MS: timeout } = config;
    const socket = role.open(zmq.Subscriber, { receiveTimeout: timeout });
    const peers = watchPeers(socket, log);
    for (const publisher of config.SUB_CONNECT) role.connect(socket, publisher);
    role.ready(`zip ${config.ZIP_FILTER}`);

    // Subscribe once every publisher is connected: the first to answer would otherwise fill the count alone.
    const missing = await peers.waitFor(config.SUB_CONNECT, timeout, role.signal);
    if (role.stopping) return Exit.ok;
    if (missing.length > 0) {
      log.error(`no connection to ${missing.join(", ")} within ${timeout} ms; is that publisher running?`);
      return Exit.noPeer;
    }
    socket.subscribe(topic(config.ZIP_FILTER));
    log.info(`subscribed to "${topic(config.ZIP_FILTER)}" on ${config.SUB_CONNECT.length} publisher(s); counting ${total} updates`);

    const report = new WeatherReport(config.ZIP_FILTER);
    while (report.count < total) {
      const frames = await role.receive(socket);
      if (role.stopping) break;
      if (!frames) {
        log.error(`no update for zip ${config.ZIP_FILTER} within ${timeout} ms; is it inside the publishers' PUB_ZIPS?`);
        report.lines().forEach((line) => log.info(line));
        return Exit.noPeer;
      }
      const parsed = parseMessage(frames, config.ZIP_FILTER);
      if (!parsed.ok) {
        report.reject();
        log.warn(`rejected update (${report.rejected} so far): ${parsed.reason}: ${JSON.stringify(String(frames[0]).slice(0, 80))}`);
        continue;
      }
      report.add(parsed.update);
      log.each(`update ${report.count}/${total}: ${describeUpdate(parsed.update)}`);
    }
    if (role.stopping) log.info(`stopped after ${report.count} of ${total} updates`);
    report.lines().forEach((line) => log.notice(line));
  },
  { verdict: true },
);
