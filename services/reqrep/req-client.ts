// req-client: connects a REQ socket to REQ_CONNECT (tcp://rep-server:5555).
// Sends REQUESTS requests "Hello from client <id>", one at a time, logs each reply, then exits 0.
// A reply missing after its timeout is resent on a fresh socket REQ_RETRIES times, then exits 3;
// with REQ_BACKOFF=on each retry waits about twice as long as the last (see runtime/requester.ts).
// Its RESULT gives the answered requests' round trips in µs (roundTripUs: p50, p99, max, mean).
import { clip, endpoint, Exit, integer, MAX_TIMEOUT_MS, oneOf, Requester, roleId, runRole, summarize, watchLink } from "../runtime/index.js";
import { requestText } from "./wire.js";

await runRole(
  "req-client",
  {
    // Unset: the replica's compose name (req-client-2), so each replica of a scaled service differs.
    CLIENT_ID: roleId({ default: undefined }),
    REQ_CONNECT: endpoint({ default: "tcp://rep-server:5555" }),
    REQUESTS: integer({ min: 1, max: 1_000_000, default: 10 }),
    REQ_TIMEOUT_MS: integer({ min: 100, max: 3_600_000, default: 3000 }),
    REQ_RETRIES: integer({ min: 0, max: 100, default: 2 }),
    REQ_BACKOFF: oneOf(["on", "off"] as const)({ default: "on" }),
  },
  async (role) => {
    const { config, log } = role;
    const id = config.CLIENT_ID ?? role.replica;
    const total = config.REQUESTS;
    const backoff = config.REQ_BACKOFF === "on";
    const link = watchLink({ endpoint: config.REQ_CONNECT, connectVar: "REQ_CONNECT", server: "rep-server" });
    const requester = new Requester(role, { endpoint: config.REQ_CONNECT, timeoutMs: config.REQ_TIMEOUT_MS, retries: config.REQ_RETRIES, backoff, link });
    const attempts = requester.attempts;
    const waits = backoff ? `from ${config.REQ_TIMEOUT_MS} ms, doubling per retry up to ${MAX_TIMEOUT_MS} ms (backoff on)` : `${config.REQ_TIMEOUT_MS} ms each (backoff off)`;
    role.ready(`client id ${id}, ${total} requests, ${attempts} attempts ${waits}`);
    let [retries, replies] = [0, 0];
    role.figures(() => ({ id, replies, requests: total, retries }));
    const request = requestText(id);
    // Each answered request's time from its first send to its reply, retries included, in µs.
    const roundTrips = new Float64Array(total);
    const result = (replies: number) =>
      log.result({ id, replies, requests: total, retries, verdict: replies === total ? "PASS" : "FAIL", ...(replies > 0 && { roundTripUs: summarize(roundTrips.subarray(0, replies)) }) });

    for (let n = 1; n <= total; n++) {
      const started = performance.now();
      const reply = await requester.request(request, (attempt, waited, next, resent) => {
        retries++;
        const then = resent ? "resending on a fresh socket" : "still connected, so keeping its place in the server's queue";
        log.warn(`no reply to request ${n}/${total} within ${waited} ms; ${then}, waiting up to ${next} ms (attempt ${attempt}/${attempts})`);
      });
      if (role.stopping) return;
      if (reply === undefined) {
        const waited = Math.round(performance.now() - started);
        const busy = `but no reply within ${waited} ms over ${attempts} attempts (server busy? ${n - 1} of ${total} requests answered so far): raise REQ_TIMEOUT_MS or REQ_RETRIES, or run fewer clients`;
        log.error(`no reply to request ${n}/${total}: ${link.explain(busy)}; giving up`);
        result(n - 1);
        return Exit.noPeer;
      }
      replies = n;
      roundTrips[n - 1] = (performance.now() - started) * 1000;
      log.each(() => `reply ${n}/${total}: ${clip(reply, 80)}`);
    }
    log.notice(`done: ${total} replies`);
    result(total);
    return Exit.ok;
  },
  { verdict: true },
);
