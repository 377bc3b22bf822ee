// streamer: the zguide's streamer device. Connects a PULL to the producer at STREAMER_PRODUCER_CONNECT
// (tcp://producer:5557) and binds a PUSH on STREAMER_BIND (tcp://*:5574) for the consumers, which
// get the tasks round robin as if from the producer. Logs what it relayed.
import * as zmq from "zeromq";
import { endpoint, runRole } from "../runtime/index.js";
import { relay } from "./relay.js";

await runRole(
  "streamer",
  {
    STREAMER_BIND: endpoint({ default: "tcp://*:5574" }),
    STREAMER_PRODUCER_CONNECT: endpoint({ default: "tcp://producer:5557" }),
  },
  async (role) => {
    const { config } = role;
    const producer = role.open(zmq.Pull);
    const consumers = role.open(zmq.Push);
    await role.bind(consumers, config.STREAMER_BIND);
    role.connect(producer, config.STREAMER_PRODUCER_CONNECT);
    role.ready();
    await relay(role, [{ name: "tasks", from: producer, to: consumers }]);
  },
);
