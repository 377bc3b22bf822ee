// producer: binds PUSH on PRODUCER_BIND (tcp://*:5557) and sends TASKS tasks {"num": n, "task": t},
// once every consumer replica has connected. Tells each collector that connects on BATCH_CONNECT
// (tcp://collector:5560) the batch's size and total; re-sends tasks the collector has not confirmed
// on CONTROL_CONNECT (:5559) when results stop for REDISPATCH_MS. Exits 0 when the collector
// broadcasts stop there, 3 when no collector was there for COLLECTOR_LOST_MS.
import { randomInt } from "node:crypto";
import * as zmq from "zeromq";
import { Announcer, endpoint, integer, keepRedispatching, Ledger, millis, plural, runRole, text, timeout, waitForPeers, watchForStop, watchPeers, watchPresence } from "../runtime/index.js";
import { DONE_TOPIC, encodeBatchStart, encodeRedispatch, encodeTask, makeBatch, MAX_TASKS, parseDone, parseStop, STOP_TOPIC } from "./wire.js";

await runRole(
  "producer",
  {
    PRODUCER_BIND: endpoint({ default: "tcp://*:5557" }),
    BATCH_CONNECT: endpoint({ default: "tcp://collector:5560" }),
    CONTROL_CONNECT: endpoint({ default: "tcp://collector:5559" }),
    TASKS: integer({ min: 1, max: MAX_TASKS, default: 100 }),
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
    const ledger = new Ledger(config.REDISPATCH_MS, "REDISPATCH_MS");
    role.figures(() => ({ tasks: config.TASKS, confirmed: ledger.confirmed, outstanding: ledger.outstanding, redispatched: ledger.redispatched.size }));
    // Every collector that connects (a restarted one too) hears the batch start, under a new epoch.
    const line = new Announcer(role.open(zmq.Push), log, "batch port", (epoch, address) => {
      if (epoch > 1) log.info(`a collector connected again on ${address} (epoch ${epoch}); re-sending the batch start, every task open until it confirms it`);
      ledger.reopen(performance.now());
    });
    const collector = watchPresence(line.socket, { peer: "collector", endpoint: config.BATCH_CONNECT, lostMs: config.COLLECTOR_LOST_MS, variable: "COLLECTOR_LOST_MS", close: [tasks, line.socket] });
    role.connect(line.socket, config.BATCH_CONNECT);
    // Confirmations count only from the collector that got the latest batch start, and only for tasks sent.
    let ignored = 0;
    const stop = watchForStop(role, config.CONTROL_CONNECT, [tasks, line.socket], {
      from: "the collector",
      topics: [STOP_TOPIC, DONE_TOPIC],
      stop: parseStop,
      other: (frames) => {
        const done = parseDone(frames);
        if (done?.epoch === line.epoch && done.task < config.TASKS) ledger.done(done.task, performance.now());
        else if (done) ignored++;
        return done !== undefined;
      },
    });
    const gaveUp = () => collector.giveUp(log, () => `${config.TASKS - ledger.confirmed} of ${plural(config.TASKS, "task")} unconfirmed`, stop, role.signal);
    const redispatch = config.REDISPATCH_MS > 0 ? `re-dispatch after ${config.REDISPATCH_MS} ms without a result` : "no re-dispatch";
    role.ready(`${config.TASKS} tasks, seed ${config.SEED}, ${redispatch}`);
    const batch = makeBatch(config.TASKS, config.SEED);
    let sent = 0;
    let consumers = 0;
    const end = () => {
      const code = gaveUp();
      const ended = code !== undefined ? "collector lost" : stop.aborted ? "stop" : "signal";
      log.result({ tasks: config.TASKS, total: batch.total, seed: config.SEED, consumers, sent, confirmed: ledger.confirmed, redispatched: ledger.redispatched.size, rounds: ledger.rounds, ignored, ended });
      return code;
    };

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
    consumers = wait.connected;
    if (ended.aborted) return end();
    if (!wait.complete) {
      log.warn(`only ${wait.connected} of ${wait.expected} consumers after ${config.CONSUMERS_WAIT_MS} ms; starting anyway, unevenly`);
    }

    try {
      collector.expect();
      line.announce((epoch) => encodeBatchStart({ tasks: config.TASKS, total: batch.total }, epoch));
      log.info(`batch start: ${config.TASKS} tasks, total ${batch.total}, seed ${config.SEED}, ${plural(wait.connected, "consumer")}`);
      for (const [task, num] of batch.nums.entries()) {
        ledger.sent({ num, task }, performance.now());
        await tasks.send(encodeTask({ num, task }));
        sent++;
        if (config.TASK_INTERVAL_MS > 0) await role.sleep(config.TASK_INTERVAL_MS);
      }
      log.info(`sent ${config.TASKS} tasks; waiting for the collector's stop`);
      // Staying up until the stop keeps queued tasks deliverable, and lost ones re-sent.
      const to = { send: (task: { num: number; task: number }) => tasks.send(encodeTask(task)), notify: (ids: number[]) => line.send(encodeRedispatch(ids)), collectorAttached: () => collector.attached };
      if (config.REDISPATCH_MS > 0) await keepRedispatching(ledger, to, log, ended);
      else if (!ended.aborted) await new Promise((resolve) => ended.addEventListener("abort", resolve, { once: true }));
    } catch (err) {
      if (!ended.aborted) throw err;
    }
    return end();
  },
);
