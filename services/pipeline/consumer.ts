// consumer: PULLs tasks from PRODUCER_CONNECT (tcp://producer:5557), does the "heavy task" and
// PUSHes {"consumer": id, "num": n, "task": t} to COLLECTOR_CONNECT (tcp://collector:5558).
// Scaled with --scale; exits 0 when the collector broadcasts stop on CONTROL_CONNECT (:5559).
import { hostname } from "node:os";
import * as zmq from "zeromq";
import { endpoint, integer, millis, oneOf, runRole, text } from "../runtime/index.js";
import { watchForStop } from "./control.js";
import { encodeResult, parseTask } from "./messages.js";
import { burnCpu } from "./work.js";

await runRole(
  "consumer",
  {
    PRODUCER_CONNECT: endpoint({ default: "tcp://producer:5557" }),
    COLLECTOR_CONNECT: endpoint({ default: "tcp://collector:5558" }),
    CONTROL_CONNECT: endpoint({ default: "tcp://collector:5559" }),
    CONSUMER_ID: text({ default: hostname() }),
    TASK_MODE: oneOf(["cpu", "sleep"])({ default: "cpu" }),
    TASK_COST: integer({ min: 0, max: 10_000_000, default: 10_000 }),
    TASK_SLEEP_MS: millis({ default: 20 }),
  },
  async (role) => {
    const { config, log } = role;
    const tasks = role.open(zmq.Pull);
    const results = role.open(zmq.Push);
    role.connect(tasks, config.PRODUCER_CONNECT);
    role.connect(results, config.COLLECTOR_CONNECT);
    const stop = watchForStop(role, config.CONTROL_CONNECT, [tasks, results]);
    const ended = AbortSignal.any([role.signal, stop]);
    const work = config.TASK_MODE === "cpu" ? `cpu, cost ${config.TASK_COST}` : `sleep ${config.TASK_SLEEP_MS} ms`;
    role.ready(`id ${config.CONSUMER_ID}, task: ${work}`);

    let done = 0;
    try {
      for (;;) {
        const frames = await tasks.receive();
        const task = parseTask(frames);
        if (!task.ok) {
          log.warn(`rejected task: ${task.reason}`);
          continue;
        }
        const started = performance.now();
        if (config.TASK_MODE === "cpu") await burnCpu(config.TASK_COST, ended);
        else await role.sleep(config.TASK_SLEEP_MS);
        // The tutorial's heavy task: the result is the number itself.
        await results.send(encodeResult({ consumer: config.CONSUMER_ID, ...task.value }));
        done++;
        log.each(`task ${task.value.task ?? "-"}: num ${task.value.num} in ${(performance.now() - started).toFixed(0)} ms`);
      }
    } catch (err) {
      // Closed by the stop broadcast or a signal: the normal end.
      if (!ended.aborted) throw err;
    }
    log.info(`done: ${done} tasks`);
  },
);
