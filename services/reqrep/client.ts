// req-client: connects a REQ socket to REQ_CONNECT (tcp://rep-server:5555).
// Sends REQUESTS requests "Hello from client <id>", one at a time, logs each reply, then exits 0.
// A reply missing after REQ_TIMEOUT_MS is retried on a fresh socket REQ_RETRIES times, then exits 3.
import { endpoint, Exit, integer, runRole } from "../runtime/index.js";
import { clientId, requestText } from "./messages.js";
import { Requester } from "./requester.js";

await runRole(
  "req-client",
  {
    // Unset: the hostname, i.e. the container id, so each replica of a scaled service differs.
    CLIENT_ID: clientId({ default: undefined }),
    REQ_CONNECT: endpoint({ default: "tcp://rep-server:5555" }),
    REQUESTS: integer({ min: 1, max: 1_000_000, default: 10 }),
    REQ_TIMEOUT_MS: integer({ min: 100, max: 3_600_000, default: 3000 }),
    REQ_RETRIES: integer({ min: 0, max: 100, default: 2 }),
  },
  async (role) => {
    const { config, log } = role;
    const id = config.CLIENT_ID ?? role.host;
    const total = config.REQUESTS;
    const timeoutMs = config.REQ_TIMEOUT_MS;
    const requester = new Requester(role, { endpoint: config.REQ_CONNECT, timeoutMs, retries: config.REQ_RETRIES });
    const attempts = requester.attempts;
    role.ready(`client id ${id}, ${total} requests, ${timeoutMs} ms × ${attempts} attempts each`);

    for (let n = 1; n <= total; n++) {
      const reply = await requester.request(requestText(id), (attempt) =>
        log.warn(`no reply to request ${n}/${total} within ${timeoutMs} ms; resending on a fresh socket (attempt ${attempt}/${attempts})`),
      );
      if (reply === undefined) {
        log.error(
          `no reply to request ${n}/${total} from ${config.REQ_CONNECT} after ${attempts} × ${timeoutMs} ms: ` +
            "is rep-server running? giving up",
        );
        return Exit.noPeer;
      }
      log.each(`reply ${n}/${total}: ${reply}`);
    }
    log.notice(`done: ${total} replies`);
    return Exit.ok;
  },
  { verdict: true },
);
