// streamer: the zguide's streamer device. Binds a PULL on STREAMER_PRODUCERS_BIND (tcp://*:5577),
// which the producer connects to (PRODUCER_BIND=connect:tcp://streamer:5577), and a PUSH on
// STREAMER_BIND (tcp://*:5574) for the consumers, which get the tasks round robin as if from the
// producer. Logs what it relayed.
import * as zmq from "zeromq";
import { endpoint } from "../runtime/index.js";
import { runDevice } from "./relay.js";

const spec = { STREAMER_BIND: endpoint({ default: "tcp://*:5574" }), STREAMER_PRODUCERS_BIND: endpoint({ default: "tcp://*:5577" }) };

await runDevice("streamer", spec, async ({ open, bind, config, ready }) => {
  const producers = open(zmq.Pull);
  const consumers = open(zmq.Push);
  await bind(consumers, config.STREAMER_BIND);
  await bind(producers, config.STREAMER_PRODUCERS_BIND);
  ready();
  return [{ name: "tasks", from: producers, to: consumers }];
});
