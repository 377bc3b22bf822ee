// producer: binds PUSH on PRODUCER_BIND (tcp://*:5557) and sends TASKS tasks {"num": n, "task": t},
// once every consumer replica has connected. Tells each collector that connects on BATCH_CONNECT
// (tcp://collector:5560) the batch's size and total; re-sends tasks the collector has not confirmed
// on CONTROL_CONNECT (:5559) when results stop for REDISPATCH_MS. Exits 0 when the collector
// broadcasts stop there, 3 when no collector was there for COLLECTOR_LOST_MS.
import { randomInt } from "node:crypto";
import * as zmq from "zeromq";
import { endpoint, integer, millis, plural, runRole, text, timeout, waitForPeers, watchPeers } from "../runtime/index.js";
import { watchForStop } from "./control.js";
import { keepRedispatching, Ledger } from "./dispatch.js";
import { BatchLine, watchCollector } from "./link.js";
import { encodeTask } from "./messages.js";
import { makeBatch } from "./work.js";

await runRole(
  "producer",
  {
    PRODUCER_BIND: endpoint({ default: "tcp://*:5557" }),
    BATCH_CONNECT: endpoint({ default: "tcp://collector:5560" }),
    CONTROL_CONNECT: endpoint({ default: "tcp://collector:5559" }),
    TASKS: integer({ min: 1, max: 1_000_000, default: 100 }),
    // A fresh seed per run unless set; the log shows it, to repeat a batch.
    SEED: integer({ min: 0, max: 2 ** 32 - 1, default: randomInt(2 ** 32) }),
    CONSUMERS: integer({ min: 0, max: 10_000, default: 0 }),
    CONSUMER_SERVICE: text({ default: "consumer" }),
    CONSUMERS_WAIT_MS: millis({ default: 10_000 }),
    TASK_INTERVAL_MS: millis({ default: 0 }),
    // 0 turns re-dispatch off: tasks queued at a consumer that dies are lost.
    REDISPATCH_MS: millis({ default: 2000 }),
    COLLECTOR_LOST_MS: timeout({ default: 30_000 }),
  },
  async (role) => {
    const { config, log } = role;
    const tasks = role.open(zmq.Push);
    const peers = watchPeers(tasks, log);
    await role.bind(tasks, config.PRODUCER_BIND);
    const ledger = new Ledger(config.REDISPATCH_MS);
    const line = new BatchLine(role.open(zmq.Push), log, () => ledger.reopen(performance.now()));
    const collector = watchCollector(line.socket, { endpoint: config.BATCH_CONNECT, lostMs: config.COLLECTOR_LOST_MS, close: [tasks, line.socket] });
    role.connect(line.socket, config.BATCH_CONNECT);
    // Confirmations count only from the collector that got the latest batch start.
    const stop = watchForStop(role, config.CONTROL_CONNECT, [tasks, line.socket], ({ task, epoch }) => epoch === line.epoch && ledger.done(task, performance.now()));
    const gaveUp = () => collector.giveUp(log, () => `${config.TASKS - ledger.confirmed} of ${plural(config.TASKS, "task")} unconfirmed`, stop, role.signal);
    const redispatch = config.REDISPATCH_MS > 0 ? `re-dispatch after ${config.REDISPATCH_MS} ms without a result` : "no re-dispatch";
    role.ready(`${config.TASKS} tasks, seed ${config.SEED}, ${redispatch}`);

    // PUSH hands each task to the next connected consumer: one that connects late misses the start.
    const source = config.CONSUMERS > 0 ? "CONSUMERS" : `Docker DNS for "${config.CONSUMER_SERVICE}"`;
    const ended = AbortSignal.any([role.signal, stop, collector.lost]);
    const wait = await waitForPeers(peers, {
      service: config.CONSUMER_SERVICE,
      expected: config.CONSUMERS,
      timeoutMs: config.CONSUMERS_WAIT_MS,
      signal: ended,
      onProgress: (connected, expected) => log.info(`consumers connected: ${connected} of ${expected} (${source})`),
    });
    if (ended.aborted) return gaveUp();
    if (!wait.complete) {
      log.warn(`only ${wait.connected} of ${wait.expected} consumers after ${config.CONSUMERS_WAIT_MS} ms; starting anyway, unevenly`);
    }

    const batch = makeBatch(config.TASKS, config.SEED);
    try {
      collector.expect();
      line.start({ tasks: config.TASKS, total: batch.total });
      log.info(`batch start: ${config.TASKS} tasks, total ${batch.total}, seed ${config.SEED}, ${plural(wait.connected, "consumer")}`);
      for (const [task, num] of batch.nums.entries()) {
        ledger.sent({ num, task }, performance.now());
        await tasks.send(encodeTask({ num, task }));
        if (config.TASK_INTERVAL_MS > 0) await role.sleep(config.TASK_INTERVAL_MS);
      }
      log.info(`sent ${config.TASKS} tasks; waiting for the collector's stop`);
      // Staying up until the stop keeps queued tasks deliverable, and lost ones re-sent.
      const to = { tasks, notify: (ids: number[]) => line.notify(ids), collectorAttached: () => collector.attached };
      if (config.REDISPATCH_MS > 0) await keepRedispatching(ledger, to, log, ended);
      else if (!ended.aborted) await new Promise((resolve) => ended.addEventListener("abort", resolve, { once: true }));
    } catch (err) {
      if (!ended.aborted) throw err;
    }
    return gaveUp();
  },
);
