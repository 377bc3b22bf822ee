// collector: binds PULL on COLLECTOR_BIND (tcp://*:5558) for results only, PULL on BATCH_BIND
// (tcp://*:5560) for the producer's batch start and re-dispatch notices, and PUB on CONTROL_BIND
// (tcp://*:5559), where it confirms each task id it got. Tallies each consumer's count and sum
// against the batch start, prints the report and its RESULT, broadcasts stop, exits 0 (match) or 4.
import * as zmq from "zeromq";
import { endpoint, Exit, plural, ranges, receiveAny, runRole, timeout } from "../runtime/index.js";
import { collectorResult, figuresOf, report, Tally } from "./report.js";
import { encodeDone, encodeStop, parseBatchNews, parseResult } from "./wire.js";

await runRole(
  "collector",
  {
    COLLECTOR_BIND: endpoint({ default: "tcp://*:5558" }),
    BATCH_BIND: endpoint({ default: "tcp://*:5560" }),
    CONTROL_BIND: endpoint({ default: "tcp://*:5559" }),
    COLLECTOR_TIMEOUT_MS: timeout({ default: 20_000 }),
  },
  async (role) => {
    const { config, log } = role;
    const [results, news, control] = [role.open(zmq.Pull), role.open(zmq.Pull), role.open(zmq.Publisher)];
    await role.bind(results, config.COLLECTOR_BIND);
    await role.bind(news, config.BATCH_BIND);
    await role.bind(control, config.CONTROL_BIND);
    role.ready(`timeout ${config.COLLECTOR_TIMEOUT_MS} ms`);

    const tally = new Tally();
    role.figures(() => figuresOf(tally));
    // The epoch of the latest batch start: the producer counts confirmations of this one only.
    let epoch: number | undefined;
    // Only a message that moves the batch on restarts the idle timeout; rejected ones and duplicates don't.
    let active = performance.now();
    const idleLeft = () => Math.max(0, active + config.COLLECTOR_TIMEOUT_MS - performance.now());
    let ended: "complete" | "timeout" = "complete";
    for await (const arrival of receiveAny([results, news], idleLeft)) {
      if (!arrival) {
        log.error(`nothing new for ${config.COLLECTOR_TIMEOUT_MS} ms (COLLECTOR_TIMEOUT_MS); giving up on the batch`);
        ended = "timeout";
        break;
      }
      const port = arrival.index === 0 ? "the results port" : "the batch port";
      const message = arrival.index === 0 ? parseResult(arrival.frames) : parseBatchNews(arrival.frames);
      if (!message.ok) {
        tally.reject();
        log.warn(`rejected message ${tally.rejected} on ${port}: ${message.reason}`);
      } else if ("consumer" in message.value) {
        const { consumer, num, task } = message.value;
        const outcome = tally.add(message.value);
        const of = tally.batch?.tasks ?? "?";
        if (outcome === "counted") {
          active = performance.now();
          const [count, again] = [tally.count, task !== undefined && tally.redispatched.has(task) ? " (re-dispatched)" : ""];
          log.each(() => `result ${count}/${of} from ${consumer}: task ${task ?? "-"}, num ${num}${again}`);
        } else if (outcome === "duplicate") log.each(`duplicate of task ${task} from ${consumer}, not counted`);
        else log.warn(`rejected message ${tally.rejected} on ${port}: task ${task} is outside the batch of ${of}`);
        // Duplicates too: the producer may have missed the first confirmation.
        if (task !== undefined && outcome !== "rejected") await control.send(encodeDone(task, epoch));
      } else if (message.value.kind === "batch") {
        const { batch } = message.value;
        if (tally.announce(batch) === "rejected") {
          log.warn(`rejected batch start ${tally.batchesRejected} after the first: ${batch.tasks} tasks, total ${batch.total}`);
        } else {
          active = performance.now();
          log.info(`batch start: ${batch.tasks} tasks, total ${batch.total} (epoch ${message.value.epoch})`);
          if (message.value.epoch !== epoch) {
            epoch = message.value.epoch;
            // What came before this batch start was confirmed for no epoch, or an older one: again, for this one.
            for (const task of tally.tasks()) await control.send(encodeDone(task, epoch));
          }
        }
      } else {
        if (tally.redispatch(message.value.tasks)) active = performance.now();
        log.info(`the producer re-dispatches ${plural(message.value.tasks.length, "task")}: ${ranges(message.value.tasks)}`);
      }
      if (tally.complete) break;
    }
    if (role.stopping) return;

    const result = collectorResult(tally, ended);
    report(tally).forEach((line) => log.notice(line));
    result.problems.forEach((problem) => log.error(problem));
    // The verdict ends the report for people; RESULT, for tools, is the role's last line, as every finite role's.
    log.notice(result.verdict === "PASS" ? "verdict: PASS, count and sum match the batch start" : "verdict: FAIL");
    log.result({ ...result });
    // Last, so the verdict is logged before producer and consumers exit (compose may then stop us).
    await control.send(encodeStop(result.verdict === "PASS" ? "batch complete" : "batch failed"));
    return result.verdict === "PASS" ? Exit.ok : Exit.mismatch;
  },
  { verdict: true },
);
