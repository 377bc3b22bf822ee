// GET /metrics: the view in Prometheus' text format (prom-client). Every value is read from the
// view at scrape time, so a replica's counters are exactly what its last record said.
import { Counter, Gauge, Registry } from "prom-client";
import type { Node, View } from "./view.js";

const roleLabels = ["pattern", "service", "replica"] as const;
const socketLabels = [...roleLabels, "socket", "type"] as const;
const labelsOf = (node: Node) => ({ pattern: node.pattern, service: node.service, replica: node.replica });

/** A registry whose metrics fill themselves from `view` on each scrape. */
export function metricsOf(view: View): Registry {
  const registry = new Registry();
  const each = (visit: (node: Node) => void) => view.all.forEach(visit);

  // Messages and bytes: one counter each, with the same labels, read from the same socket records.
  const flows = [
    ["zmqlab_socket_messages_total", "Messages a role's socket sent (direction=out) or received (direction=in), as its last telemetry record said", "msgs"],
    ["zmqlab_socket_bytes_total", "Bytes of the messages a role's socket sent or received", "bytes"],
  ] as const;
  for (const [name, help, field] of flows) {
    new Counter({
      name,
      help,
      labelNames: [...socketLabels, "direction"],
      registers: [registry],
      collect() {
        this.reset();
        each((node) =>
          node.sockets.forEach((s) => {
            for (const direction of ["in", "out"] as const) this.inc({ ...labelsOf(node), socket: String(s.id), type: s.type, direction }, s[direction][field]);
          }),
        );
      },
    });
  }
  new Counter({
    name: "zmqlab_socket_events_total",
    help: "Monitor events of a role's socket: connect, accept, handshake, disconnect, handshake:error:*",
    labelNames: [...socketLabels, "event"],
    registers: [registry],
    collect() {
      this.reset();
      each((node) =>
        node.sockets.forEach((s) =>
          Object.entries(s.events).forEach(([event, n]) => this.inc({ ...labelsOf(node), socket: String(s.id), type: s.type, event }, n ?? 0)),
        ),
      );
    },
  });
  new Gauge({
    name: "zmqlab_role_state",
    help: "1 for the state a replica is in (starting, ready, done, failed, gone)",
    labelNames: [...roleLabels, "state"],
    registers: [registry],
    collect() {
      this.reset();
      each((node) => this.set({ ...labelsOf(node), state: node.state }, 1));
    },
  });
  new Gauge({
    name: "zmqlab_figure",
    help: "A role's own numeric figures (the collector's count and sum, a client's replies...), from its RESULT once it has one",
    labelNames: [...roleLabels, "name"],
    registers: [registry],
    collect() {
      this.reset();
      each((node) =>
        Object.entries({ ...node.figures, ...node.result }).forEach(([name, value]) => {
          if (typeof value === "number" && Number.isFinite(value)) this.set({ ...labelsOf(node), name }, value);
        }),
      );
    },
  });
  new Counter({
    name: "zmqlab_telemetry_lost_total",
    help: "Telemetry records a replica sent that never arrived (gaps in its sequence) or could not send",
    labelNames: [...roleLabels, "where"],
    registers: [registry],
    collect() {
      this.reset();
      each((node) => {
        this.inc({ ...labelsOf(node), where: "network" }, node.lost);
        this.inc({ ...labelsOf(node), where: "sender" }, node.dropped);
      });
    },
  });
  new Counter({
    name: "zmqlab_telemetry_records_total",
    help: "Telemetry records the dashboard took",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(view.counts.records);
    },
  });
  new Counter({
    name: "zmqlab_telemetry_rejected_total",
    help: "Telemetry messages the dashboard refused, by reason (json, frames, version, name, numbers...)",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      Object.entries(view.counts.rejected).forEach(([reason, n]) => this.inc({ reason }, n));
    },
  });
  new Counter({
    name: "zmqlab_telemetry_unknown_fields_total",
    help: "Telemetry records the dashboard took that had fields it does not know",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(view.counts.unknownFields);
    },
  });
  return registry;
}
