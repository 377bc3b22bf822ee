// bench-echo: binds REP on BENCH_ECHO_BIND (tcp://*:5601) and sends every request straight back,
// until it is stopped. The far end of bench-pinger's round trips.
import * as zmq from "zeromq";
import { endpoint, runRole } from "../runtime/index.js";

await runRole("bench-echo", { BENCH_ECHO_BIND: endpoint({ default: "tcp://*:5601" }) }, async (role) => {
  const socket = role.open(zmq.Reply);
  await role.bind(socket, role.config.BENCH_ECHO_BIND);
  role.ready();
  while (!role.stopping) await socket.send(await socket.receive());
});
