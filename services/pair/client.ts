// pair-client: connects a PAIR socket to PAIR_CONNECT (tcp://pair-server:5555).
// Answers each server message with its own, PAIR_MESSAGES times, then exits 0.
// If the server stays silent for PAIR_TIMEOUT_MS (another client holds it), exits 3.
import * as zmq from "zeromq";
import { endpoint, Exit, integer, runRole, timeout } from "../runtime/index.js";
import { clientMessage } from "./messages.js";

await runRole(
  "pair-client",
  {
    PAIR_CONNECT: endpoint({ default: "tcp://pair-server:5555" }),
    PAIR_MESSAGES: integer({ min: 1, max: 1_000_000, default: 10 }),
    PAIR_TIMEOUT_MS: timeout({ default: 5000 }),
  },
  async (role) => {
    const { config, log } = role;
    const total = config.PAIR_MESSAGES;
    const socket = role.open(zmq.Pair, { receiveTimeout: config.PAIR_TIMEOUT_MS });
    role.connect(socket, config.PAIR_CONNECT);
    role.ready();

    for (let n = 1; n <= total; n++) {
      const frames = await role.receive(socket);
      if (role.stopping) return;
      if (!frames) {
        log.error(
          `no message from ${config.PAIR_CONNECT} within ${config.PAIR_TIMEOUT_MS} ms after ${n - 1} exchanges: ` +
            "PAIR is exclusive, so another client most likely holds the server",
        );
        return Exit.noPeer;
      }
      log.each(`received ${n}/${total}: ${frames[0]}`);
      await socket.send(clientMessage(role.host, n, total));
    }
    log.notice(`done: ${total} exchanges`);
    return Exit.ok;
  },
  { verdict: true },
);
