// streamer: the zguide's streamer device. Binds a PUSH on STREAMER_BIND (tcp://*:5574) for the
// consumers and waits (up to CONSUMERS_WAIT_MS) until every replica of CONSUMER_SERVICE has connected;
// only then binds a PULL on STREAMER_PRODUCERS_BIND (tcp://*:5577), which the producer connects to
// (PRODUCER_BIND=connect:tcp://streamer:5577). The consumers get the tasks round robin as if from
// the producer. Logs what it relayed.
import * as zmq from "zeromq";
import { endpoint, millis, runDevice, text, waitForPeers, watchPeers } from "../runtime/index.js";

const spec = {
  STREAMER_BIND: endpoint({ default: "tcp://*:5574" }),
  STREAMER_PRODUCERS_BIND: endpoint({ default: "tcp://*:5577" }),
  CONSUMER_SERVICE: text({ default: "streamed-consumer" }),
  CONSUMERS_WAIT_MS: millis({ default: 10_000 }),
};

await runDevice("streamer", spec, async ({ open, bind, config, ready, log, signal }) => {
  const producers = open(zmq.Pull);
  const consumers = open(zmq.Push);
  const peers = watchPeers(consumers);
  await bind(consumers, config.STREAMER_BIND);
  // PUSH deals only to the consumers connected when a task arrives: the producer, which waits for
  // the streamer, is let in once they all are, so the first tasks are not all queued at one.
  const wait = await waitForPeers(peers, {
    service: config.CONSUMER_SERVICE,
    timeoutMs: config.CONSUMERS_WAIT_MS,
    signal,
    onProgress: (connected, expected) => log.info(`consumers connected: ${connected} of ${expected}`),
  });
  if (!wait.complete && !signal.aborted) log.warn(`only ${wait.connected} of ${wait.expected} consumers after ${config.CONSUMERS_WAIT_MS} ms; letting the producer in anyway`);
  await bind(producers, config.STREAMER_PRODUCERS_BIND);
  ready();
  return [{ name: "tasks", from: producers, to: consumers }];
});
