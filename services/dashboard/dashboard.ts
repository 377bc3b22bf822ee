// dashboard: binds SUB on TELEMETRY_BIND (tcp://*:5599), where every role's telemetry PUB
// connects, and serves the live view over HTTP on DASHBOARD_PORT (8080): the page, its stream of
// snapshots (GET /events, server-sent events), GET /state and GET /metrics. GET only; it knows the
// lab from telemetry alone (no Docker socket) and runs until stopped.
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import Fastify from "fastify";
import * as zmq from "zeromq";
import { endpoint, integer, port, runRole } from "../runtime/index.js";
import { metricsOf } from "./metrics.js";
import { View } from "./view.js";

await runRole(
  "dashboard",
  {
    TELEMETRY_BIND: endpoint({ default: "tcp://*:5599" }),
    DASHBOARD_PORT: port({ default: 8080 }),
    // How often the page gets a snapshot and quiet replicas are marked gone.
    DASHBOARD_TICK_MS: integer({ min: 20, max: 5000, default: 100 }),
  },
  async (role) => {
    const { config, log } = role;
    const view = new View();
    const metrics = metricsOf(view);
    // A flood waits in this queue, then libzmq drops: memory stays bounded whatever arrives.
    const telemetry = role.open(zmq.Subscriber, { receiveHighWaterMark: 1000 });
    telemetry.subscribe();
    // Plaintext on purpose, even under ZMQ_CURVE=on: records carry counts, never payloads or keys.
    await telemetry.bind(config.TELEMETRY_BIND);

    const http = Fastify({ logger: false });
    await http.register(fastifyStatic, { root: fileURLToPath(new URL("./public/", import.meta.url)) });
    const streams = new Set<(data: string) => void>();
    http.get("/state", async () => view.snapshot());
    http.get("/metrics", async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
    http.get("/events", (request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      const push = (data: string) => reply.raw.write(`data: ${data}\n\n`);
      push(JSON.stringify(view.snapshot()));
      streams.add(push);
      request.raw.on("close", () => streams.delete(push));
    });
    await http.listen({ host: "0.0.0.0", port: config.DASHBOARD_PORT });

    const tick = setInterval(() => {
      view.tick();
      if (streams.size === 0) return;
      const data = JSON.stringify(view.snapshot());
      streams.forEach((push) => push(data));
    }, config.DASHBOARD_TICK_MS);
    role.signal.addEventListener("abort", () => {
      clearInterval(tick);
      // Open event streams would hold the close; the page reconnects on its own.
      void http.close();
      http.server.closeAllConnections();
    });
    role.ready(`bound ${config.TELEMETRY_BIND} for telemetry, http://0.0.0.0:${config.DASHBOARD_PORT}/ for the view`);

    // Only the first refusal gets a line; the rest are counted on the page and in /metrics.
    let warned = false;
    for await (const frames of telemetry) {
      if (!view.ingest(frames) && !warned) {
        warned = true;
        log.warn("refused a malformed telemetry message; refusals are counted on the page and in /metrics, not logged");
      }
    }
  },
);
