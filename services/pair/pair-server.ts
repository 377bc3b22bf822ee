// pair-server: binds a PAIR socket on PAIR_BIND (tcp://*:5555).
// Sends "Server message to Client", waits for the answer, pauses, and repeats until stopped.
// PAIR takes one peer at a time. Any text is an answer (the tutorial's client's too); only what is
// no text at all (several frames, bad UTF-8) is counted as rejected.
import * as zmq from "zeromq";
import { endpoint, millis, preview, runRole, timeout } from "../runtime/index.js";
import { ServerTally } from "./report.js";
import { parseClientMessage, SERVER_MESSAGE } from "./wire.js";

await runRole(
  "pair-server",
  {
    PAIR_BIND: endpoint({ default: "tcp://*:5555" }),
    PAIR_INTERVAL_MS: millis({ default: 1000 }),
    PAIR_TIMEOUT_MS: timeout({ default: 5000 }),
  },
  async (role) => {
    const { config, log } = role;
    const socket = role.open(zmq.Pair, { receiveTimeout: config.PAIR_TIMEOUT_MS });
    await role.bind(socket, config.PAIR_BIND);
    role.ready();

    const tally = new ServerTally();
    role.figures(() => tally.result());
    while (!role.stopping) {
      try {
        // send() waits while no client is attached, so nothing is sent into the void.
        await socket.send(SERVER_MESSAGE);
      } catch (err) {
        if (role.stopping) break;
        throw err;
      }
      const frames = await role.receive(socket);
      if (role.stopping) break;
      if (!frames) {
        // The client left mid-exchange: send again for whoever attaches next.
        log.info(`no reply within ${config.PAIR_TIMEOUT_MS} ms; waiting for a client`);
        continue;
      }
      const reply = parseClientMessage(frames);
      if (!reply.ok) log.warn(`rejected reply ${tally.reject()} (${reply.reason}): ${preview(frames)}`);
      else if (reply.value.id) log.each(`reply ${tally.reply(reply.value.id)}: ${reply.value.text}`);
      else log.each(`reply ${tally.reply()} (not the lab's pair-client, accepted as text): ${preview(frames)}`);
      await role.sleep(config.PAIR_INTERVAL_MS);
    }
    tally.lines().forEach((line, i) => log.notice(i === 0 ? `stopping: ${line}` : line));
    log.result(tally.result());
  },
);
