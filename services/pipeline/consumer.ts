// consumer: PULLs tasks from PRODUCER_CONNECT (tcp://producer:5557), does the "heavy task" and
// PUSHes {"consumer": id, "num": n, "task": t} to COLLECTOR_CONNECT (tcp://collector:5558).
// Scaled with --scale; exits 0 when the collector broadcasts stop on CONTROL_CONNECT (:5559),
// 3 when no collector was there for COLLECTOR_LOST_MS.
import * as zmq from "zeromq";
import { burnCpu, endpoint, integer, millis, oneOf, plural, roleId, runRole, timeout, watchForStop, watchPresence } from "../runtime/index.js";
import { encodeResult, parseStop, parseTask, STOP_TOPIC } from "./wire.js";

await runRole(
  "consumer",
  {
    PRODUCER_CONNECT: endpoint({ default: "tcp://producer:5557" }),
    COLLECTOR_CONNECT: endpoint({ default: "tcp://collector:5558" }),
    CONTROL_CONNECT: endpoint({ default: "tcp://collector:5559" }),
    // Unset: the replica's compose name (consumer-2).
    CONSUMER_ID: roleId({ default: undefined }),
    TASK_MODE: oneOf(["cpu", "sleep"])({ default: "cpu" }),
    TASK_COST: integer({ min: 0, max: 10_000_000, default: 10_000 }),
    TASK_SLEEP_MS: millis({ default: 20 }),
    COLLECTOR_LOST_MS: timeout({ default: 30_000 }),
  },
  async (role) => {
    const { config, log } = role;
    const id = config.CONSUMER_ID ?? role.replica;
    const tasks = role.open(zmq.Pull);
    const results = role.open(zmq.Push);
    role.connect(tasks, config.PRODUCER_CONNECT);
    const collector = watchPresence(results, { peer: "collector", endpoint: config.COLLECTOR_CONNECT, lostMs: config.COLLECTOR_LOST_MS, variable: "COLLECTOR_LOST_MS", close: [tasks, results] });
    role.connect(results, config.COLLECTOR_CONNECT);
    const stop = watchForStop(role, config.CONTROL_CONNECT, [tasks, results], { from: "the collector", topics: [STOP_TOPIC], stop: parseStop });
    const ended = AbortSignal.any([role.signal, stop, collector.lost]);
    const work = config.TASK_MODE === "cpu" ? `cpu, cost ${config.TASK_COST}` : `sleep ${config.TASK_SLEEP_MS} ms`;
    role.ready(`id ${id}, task: ${work}`);

    let [done, sum, rejected] = [0, 0, 0];
    // Results handed to the socket while no collector was attached: queued, delivered only if one comes back.
    let unsent = 0;
    try {
      for (;;) {
        const frames = await tasks.receive();
        collector.expect();
        const task = parseTask(frames);
        if (!task.ok) {
          rejected++;
          log.warn(`rejected task: ${task.reason}`);
          continue;
        }
        const started = performance.now();
        if (config.TASK_MODE === "cpu") await burnCpu(config.TASK_COST, ended);
        else await role.sleep(config.TASK_SLEEP_MS);
        // The tutorial's heavy task: the result is the number itself.
        await results.send(encodeResult({ consumer: id, ...task.value }));
        [done, sum] = [done + 1, sum + task.value.num];
        unsent = collector.attached ? 0 : unsent + 1;
        const ms = performance.now() - started;
        log.each(() => `task ${task.value.task ?? "-"}: num ${task.value.num} in ${ms.toFixed(0)} ms`);
      }
    } catch (err) {
      // Closed by the stop broadcast, a signal or the collector's absence: the normal end.
      if (!ended.aborted) throw err;
    }
    log.info(`done: ${plural(done, "task")}`);
    const code = collector.giveUp(log, () => `${plural(unsent, "result")} it may never have got`, stop, role.signal);
    log.result({ consumer: id, done, sum, rejected, unsent, ended: code !== undefined ? "collector lost" : stop.aborted ? "stop" : "signal" });
    return code;
  },
);
