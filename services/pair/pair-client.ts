// pair-client: connects a PAIR socket to PAIR_CONNECT (tcp://pair-server:5555).
// Answers each server message with its own, PAIR_MESSAGES times, then exits 0.
// If the server stays silent for PAIR_TIMEOUT_MS, exits 3 and says why (see runtime/link.ts).
import * as zmq from "zeromq";
import { clip, endpoint, Exit, integer, runRole, timeout, watchLink } from "../runtime/index.js";
import { clientResult } from "./report.js";
import { clientMessage } from "./wire.js";

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
    const link = watchLink({ endpoint: config.PAIR_CONNECT, connectVar: "PAIR_CONNECT", server: "pair-server" });
    link.watch(socket);
    role.connect(socket, config.PAIR_CONNECT);
    let exchanges = 0;
    role.figures(() => ({ exchanges, messages: total }));
    role.ready();

    for (let n = 1; n <= total; n++) {
      const frames = await role.receive(socket);
      if (role.stopping) return;
      if (!frames) {
        // PAIR is exclusive: the server keeps the first client and leaves later ones connected, unserved.
        const silent =
          n === 1
            ? "but not being served: PAIR is exclusive and another client holds the server"
            : `but the server went silent after ${n - 1} exchanges: is PAIR_TIMEOUT_MS above the server's PAIR_INTERVAL_MS?`;
        log.error(`no message within ${config.PAIR_TIMEOUT_MS} ms: ${link.explain(silent)}`);
        log.result(clientResult(n - 1, total));
        return Exit.noPeer;
      }
      log.each(`received ${n}/${total}: ${clip(String(frames[0]), 80)}`);
      await socket.send(clientMessage(role.replica, n, total));
      exchanges = n;
    }
    log.notice(`done: ${total} exchanges`);
    log.result(clientResult(total, total));
    return Exit.ok;
  },
  { verdict: true },
);
