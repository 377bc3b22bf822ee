// queue: the zguide's queue device. Binds a ROUTER on QUEUE_BIND (tcp://*:5572) for req-clients and
// connects a DEALER to every replica of QUEUE_SERVERS_CONNECT (tcp://rep-server:5555), so requests
// are shared among all of them and each reply finds its way back. Logs what it relayed.
import * as zmq from "zeromq";
import { endpoint, runRole } from "../runtime/index.js";
import { connectEach, relay } from "./relay.js";

await runRole(
  "queue",
  {
    QUEUE_BIND: endpoint({ default: "tcp://*:5572" }),
    QUEUE_SERVERS_CONNECT: endpoint({ default: "tcp://rep-server:5555" }),
  },
  async (role) => {
    const { config } = role;
    const clients = role.open(zmq.Router);
    const servers = role.open(zmq.Dealer);
    await role.bind(clients, config.QUEUE_BIND);
    const replicas = await connectEach(role, servers, config.QUEUE_SERVERS_CONNECT);
    role.ready(`${replicas} server replica(s)`);
    await relay(role, [
      { name: "requests", from: clients, to: servers },
      { name: "replies", from: servers, to: clients },
    ]);
  },
);
