// streamer: the zguide's streamer device. Connects a PULL to the producer at STREAMER_PRODUCER_CONNECT
// (tcp://producer:5557) and binds a PUSH on STREAMER_BIND (tcp://*:5574) for the consumers, which
// get the tasks round robin as if from the producer. Logs what it relayed.
import * as zmq from "zeromq";
import { endpoint } from "../runtime/index.js";
import { runDevice } from "./relay.js";

const spec = { STREAMER_BIND: endpoint({ default: "tcp://*:5574" }), STREAMER_PRODUCER_CONNECT: endpoint({ default: "tcp://producer:5557" }) };

await runDevice("streamer", spec, async ({ open, bind, connect, config, ready }) => {
  const producer = open(zmq.Pull);
  const consumers = open(zmq.Push);
  await bind(consumers, config.STREAMER_BIND);
  connect(producer, config.STREAMER_PRODUCER_CONNECT);
  ready();
  return [{ name: "tasks", from: producer, to: consumers }];
});
