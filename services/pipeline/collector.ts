// collector: binds PULL on COLLECTOR_BIND (tcp://*:5558) for results and the producer's batch start,
// and PUB on CONTROL_BIND (tcp://*:5559), where it confirms each task id it got. Tallies each consumer's
// count and sum against the batch start, prints the report, broadcasts stop, exits 0 (match) or 4.
import * as zmq from "zeromq";
import { endpoint, Exit, plural, runRole, timeout } from "../runtime/index.js";
import { encodeDone, encodeStop, parseInbound } from "./messages.js";
import { ranges, report, Tally } from "./tally.js";

await runRole(
  "collector",
  {
    COLLECTOR_BIND: endpoint({ default: "tcp://*:5558" }),
    CONTROL_BIND: endpoint({ default: "tcp://*:5559" }),
    COLLECTOR_TIMEOUT_MS: timeout({ default: 20_000 }),
  },
  async (role) => {
    const { config, log } = role;
    const inbound = role.open(zmq.Pull, { receiveTimeout: config.COLLECTOR_TIMEOUT_MS });
    const control = role.open(zmq.Publisher);
    await role.bind(inbound, config.COLLECTOR_BIND);
    await role.bind(control, config.CONTROL_BIND);
    role.ready(`timeout ${config.COLLECTOR_TIMEOUT_MS} ms`);

    const tally = new Tally();
    while (!tally.complete) {
      const frames = await role.receive(inbound);
      if (role.stopping) return;
      if (!frames) {
        log.error(`nothing received for ${config.COLLECTOR_TIMEOUT_MS} ms (COLLECTOR_TIMEOUT_MS); giving up on the batch`);
        break;
      }
      const message = parseInbound(frames);
      if (!message.ok) {
        tally.reject();
        log.warn(`rejected message ${tally.rejected}: ${message.reason}`);
      } else if (message.value.kind === "batch") {
        tally.announce(message.value.batch);
        log.info(`batch start: ${message.value.batch.tasks} tasks, total ${message.value.batch.total}`);
      } else if (message.value.kind === "redispatch") {
        tally.redispatch(message.value.tasks);
        log.info(`the producer re-dispatches ${plural(message.value.tasks.length, "task")}: ${ranges(message.value.tasks)}`);
      } else {
        const { consumer, num, task } = message.value.result;
        const counted = tally.add(message.value.result) === "counted";
        const of = tally.batch?.tasks ?? "?";
        const again = task !== undefined && tally.redispatched.has(task) ? " (re-dispatched)" : "";
        log.each(counted ? `result ${tally.count}/${of} from ${consumer}: task ${task ?? "-"}, num ${num}${again}` : `duplicate of task ${task} from ${consumer}, not counted`);
        // Duplicates too: the producer may have missed the first confirmation.
        if (task !== undefined) await control.send(encodeDone(task));
      }
    }

    const problems = tally.problems();
    report(tally).forEach((line) => log.notice(line));
    problems.forEach((problem) => log.error(problem));
    log.notice(problems.length === 0 ? "verdict: PASS, count and sum match the batch start" : "verdict: FAIL");
    // Last, so the verdict is logged before producer and consumers exit (compose may then stop us).
    await control.send(encodeStop(problems.length === 0 ? "batch complete" : "batch failed"));
    return problems.length === 0 ? Exit.ok : Exit.mismatch;
  },
  { verdict: true },
);
