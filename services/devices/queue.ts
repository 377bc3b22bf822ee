// queue: the zguide's queue device. Binds a ROUTER on QUEUE_BIND (tcp://*:5572) for req-clients and a
// DEALER on QUEUE_SERVERS_BIND (tcp://*:5575) for rep-servers, which connect to it
// (REP_BIND=connect:tcp://queue:5575): requests are shared among the servers connected at the time,
// replicas added or removed while it runs included, and each reply finds its way back. Logs what it relayed.
import * as zmq from "zeromq";
import { endpoint, runDevice, watchPeers } from "../runtime/index.js";

const spec = { QUEUE_BIND: endpoint({ default: "tcp://*:5572" }), QUEUE_SERVERS_BIND: endpoint({ default: "tcp://*:5575" }) };

await runDevice("queue", spec, async (role) => {
  const [clients, servers] = [role.open(zmq.Router), role.open(zmq.Dealer)];
  // Each server that connects (or goes away) gets a line with the count.
  watchPeers(servers, role.log);
  await role.bind(clients, role.config.QUEUE_BIND);
  await role.bind(servers, role.config.QUEUE_SERVERS_BIND);
  role.ready();
  return [
    { name: "requests", from: clients, to: servers },
    { name: "replies", from: servers, to: clients },
  ];
});
