// queue: the zguide's queue device. Binds a ROUTER on QUEUE_BIND (tcp://*:5572) for req-clients and
// connects a DEALER to every replica of QUEUE_SERVERS_CONNECT (tcp://rep-server:5555), so requests
// are shared among all of them and each reply finds its way back. Logs what it relayed.
import * as zmq from "zeromq";
import { endpoint } from "../runtime/index.js";
import { connectEach, runDevice } from "./relay.js";

const spec = { QUEUE_BIND: endpoint({ default: "tcp://*:5572" }), QUEUE_SERVERS_CONNECT: endpoint({ default: "tcp://rep-server:5555" }) };

await runDevice("queue", spec, async (role) => {
  const [clients, servers] = [role.open(zmq.Router), role.open(zmq.Dealer)];
  await role.bind(clients, role.config.QUEUE_BIND);
  // One connect per replica: a connect to the service name would reach only one of them.
  role.ready(`${await connectEach(role, servers, role.config.QUEUE_SERVERS_CONNECT)} server replica(s)`);
  return [
    { name: "requests", from: clients, to: servers },
    { name: "replies", from: servers, to: clients },
  ];
});
