// rep-server: binds a REP socket on REP_BIND (tcp://*:5555).
// Answers every request with REP_REPLY after REP_WORK_MS of simulated work, one request at a time.
// Counts answers per client id; logs the table when idle for REP_IDLE_MS after serving, and on stop.
import * as zmq from "zeromq";
import { endpoint, integer, millis, preview, runRole, text } from "../runtime/index.js";
import { Tally } from "./report.js";
import { DEFAULT_REPLY, parseRequest } from "./wire.js";

await runRole(
  "rep-server",
  {
    REP_BIND: endpoint({ default: "tcp://*:5555" }),
    REP_REPLY: text({ default: DEFAULT_REPLY }),
    REP_WORK_MS: millis({ default: 300 }),
    REP_IDLE_MS: integer({ min: 100, max: 3_600_000, default: 2000 }),
  },
  async (role) => {
    const { config, log } = role;
    // The receive timeout doubles as the idle timer: it never disturbs REP's lockstep.
    const socket = role.open(zmq.Reply, { receiveTimeout: config.REP_IDLE_MS });
    await role.bind(socket, config.REP_BIND);
    role.ready(`replying "${config.REP_REPLY}" after ${config.REP_WORK_MS} ms of work`);

    const tally = new Tally();
    role.figures(() => tally.result());
    const report = (why: string) => tally.report().forEach((line, i) => log.notice(i === 0 ? `${why}: ${line}` : line));
    let unreported = false;
    while (!role.stopping) {
      const frames = await role.receive(socket);
      if (role.stopping) break;
      if (!frames) {
        if (unreported) report(`idle for ${config.REP_IDLE_MS} ms`);
        unreported = false;
        continue;
      }
      const request = parseRequest(frames);
      // No work, no timer: Node makes a 0 ms timer a 1 ms one, most of a round trip.
      if (config.REP_WORK_MS > 0) await role.sleep(config.REP_WORK_MS);
      if (role.stopping) break;
      // A malformed request still gets its reply: REP can't receive again until it has answered.
      await socket.send(config.REP_REPLY);
      unreported = true;
      if (!request.ok) log.warn(`rejected request ${tally.reject()} (${request.reason}): ${preview(frames)}`);
      else {
        const answered = tally.answer(request.value);
        log.each(() => `answered ${request.value} (${answered} so far): ${preview(frames)}`);
      }
    }
    report("stopping");
    log.result(tally.result());
  },
);
