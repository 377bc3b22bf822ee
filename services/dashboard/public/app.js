// The live view: renders each snapshot the dashboard streams on /events. Plain DOM, no framework;
// every text goes in through textContent, so nothing a role reports can become markup.
"use strict";

const $ = (id) => document.getElementById(id);
/** An element of namespace `ns` (HTML's when null) with attributes and children; text goes in as text. */
const make = (ns) => (tag, attrs = {}, ...children) => {
  const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
};
const el = make(null);
const svg = make("http://www.w3.org/2000/svg");
const rate = (n) => (n >= 10 ? Math.round(n) : n.toFixed(1));
const sum = (sockets, side) => sockets.reduce((total, s) => total + s[side].msgs, 0);
const time = (at) => new Date(at).toISOString().slice(11, 23);
/**
 * The lab's services left to right in the order their messages flow (a service named after one,
 * such as weather-pub-2, goes with it); any other after them, by name.
 */
const FLOW = ["pair-client", "pair-server", "req-client", "lb-broker", "queue", "rep-server", "broker-worker", "weather-pub", "forwarder", "weather-sub", "producer", "streamer", "consumer", "collector"];
const flowRank = (service) => {
  const rank = FLOW.findIndex((name) => service === name || service.startsWith(`${name}-`));
  return rank < 0 ? FLOW.length : rank;
};

function topology(nodes) {
  const groups = new Map();
  const ordered = [...nodes].sort((a, b) => a.pattern.localeCompare(b.pattern) || flowRank(a.service) - flowRank(b.service) || a.service.localeCompare(b.service));
  for (const node of ordered) {
    const key = `${node.pattern}/${node.service}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(node);
  }
  return [...groups].map(([key, members]) =>
    el("div", { class: "group", "data-service": members[0].service },
      el("h3", {}, `${key} (${members.length})`),
      ...members.map((node) =>
        el("div", { class: "node", "data-replica": node.replica, "data-state": node.state, "data-service": node.service },
          el("div", { class: "name" }, node.replica),
          el("div", { class: "meta" }, `${node.state}${node.exitCode !== undefined ? ` (exit ${node.exitCode})` : ""} · in ${sum(node.sockets, "in")} · out ${sum(node.sockets, "out")}`),
          el("div", { class: "meta" }, `${rate(node.rate.in)} msg/s in · ${rate(node.rate.out)} msg/s out`),
        ),
      ),
    ),
  );
}

/**
 * One line per live connection, from the sender (or the connecting side) to the other, labelled
 * with its msg/s, or "?" when no end's socket has that connection alone (see edges.ts).
 */
function drawEdges(edges) {
  const box = $("graph").getBoundingClientRect();
  const layer = $("edges");
  layer.setAttribute("width", box.width);
  layer.setAttribute("height", box.height);
  const groups = [...document.querySelectorAll("#groups .group")].map((g) => g.getBoundingClientRect());
  const place = (replica) => document.querySelector(`#groups .node[data-replica="${CSS.escape(replica)}"]`)?.getBoundingClientRect();
  const arrow = svg("marker", { id: "arrow", viewBox: "0 0 8 8", refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto" }, svg("path", { d: "M0,0 L8,4 L0,8 z" }));
  layer.replaceChildren(svg("defs", {}, arrow), ...edges.flatMap((edge) => {
    const [a, b] = [place(edge.from.replica), place(edge.to.replica)];
    if (!a || !b) return [];
    // From the side of one box that faces the other; two connections between the same pair bend
    // apart, and one that would cross a group in between goes round it (rightwards below, leftwards above).
    const right = a.left + a.width / 2 <= b.left + b.width / 2;
    const x1 = (right ? a.right : a.left) - box.left, y1 = a.top + a.height / 2 - box.top;
    const x2 = (right ? b.left : b.right) - box.left, y2 = b.top + b.height / 2 - box.top;
    const between = groups.some((g) => g.left - box.left > Math.min(x1, x2) && g.right - box.left < Math.max(x1, x2));
    const lane = right ? box.height + 14 : -14;
    const d = between
      ? `M${x1},${y1} Q${x1 + (right ? 20 : -20)},${lane} ${x1 + (right ? 40 : -40)},${lane} L${x2 - (right ? 40 : -40)},${lane} Q${x2 - (right ? 20 : -20)},${lane} ${x2},${y2}`
      : `M${x1},${y1} Q${(x1 + x2) / 2},${(y1 + y2) / 2 + (right ? -28 : 28)} ${x2},${y2}`;
    // The curve's middle, where the label goes.
    const [mx, my] = [(x1 + x2) / 2, between ? lane : (y1 + y2) / 2 + (right ? -14 : 14)];
    const label = edge.rate === null ? "? msg/s" : `${rate(edge.rate)} msg/s`;
    return [svg("g", { class: "edge", "data-from": edge.from.replica, "data-to": edge.to.replica, "data-rate": edge.rate ?? "unknown" },
      svg("title", {}, `${edge.from.replica} ${edge.from.type ?? "?"} → ${edge.to.replica} ${edge.to.type ?? "?"}: ${label}`),
      svg("path", { d, "marker-end": "url(#arrow)" }),
      svg("text", { x: mx, y: my - 2 }, label))];
  }));
}

/** The pipeline: the collector's per-consumer tally, its verdict, and the producer's re-dispatches. */
function pipeline(nodes) {
  const collector = nodes.find((n) => n.role === "collector");
  const producer = nodes.find((n) => n.role === "producer");
  const f = collector?.figures ?? {};
  const consumers = f.consumers ?? [];
  const verdict = f.verdict ?? (collector && (collector.state === "failed" || collector.state === "gone") ? "FAIL" : "running");
  const rows = consumers.map((c) => {
    const share = f.sum ? c.sum / f.sum : 0;
    return el("tr", { "data-consumer": c.consumer },
      el("td", {}, c.consumer), el("td", { class: "count" }, c.count), el("td", { class: "sum" }, c.sum),
      el("td", {}, `${(100 * share).toFixed(1)}%`), el("td", { style: "width:40%" }, el("div", { class: "bar", style: `width:${(100 * share).toFixed(1)}%` })));
  });
  return el("section", { id: "pipeline", class: "panel" },
    el("h2", {}, "Pipeline"),
    el("p", {}, "Verdict: ", el("span", { id: "pipeline-verdict", class: "verdict", "data-verdict": verdict }, verdict),
      " · ", el("span", { id: "pipeline-total", "data-count": f.count ?? 0, "data-sum": f.sum ?? 0 }, `${f.count ?? 0} of ${f.expected ?? "?"} results, sum ${f.sum ?? 0} of ${f.total ?? "?"}`),
      " · re-dispatched ", el("span", { id: "pipeline-redispatched" }, producer?.figures?.redispatched ?? f.redispatched ?? 0)),
    el("table", {}, el("thead", {}, el("tr", {}, ...["consumer", "count", "partial sum", "share", ""].map((h) => el("th", {}, h)))), el("tbody", {}, ...rows)),
  );
}

/** A panel the dashboard built (panels.ts): a few lines, then tables whose rows and cells carry their names. */
function panel({ pattern, title, lines, tables }) {
  return el("section", { id: pattern, class: "panel" },
    el("h2", {}, title),
    ...lines.map((line) => el("p", {}, line)),
    ...tables.map(({ heads, rows }) => el("table", {},
      el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows.map((row) => el("tr", { ...Object.fromEntries(Object.entries(row.data).map(([k, v]) => [`data-${k}`, v])), ...(row.total && { class: "total" }) },
        ...row.cells.map((c) => el("td", c.key ? { class: c.key } : {}, c.value ?? "-"))))))));
}

/** Any other pattern: its replicas' traffic and numeric figures, smaller. */
function generic(pattern, nodes) {
  return el("section", { id: pattern, class: "panel" },
    el("h2", {}, pattern),
    el("table", {}, el("tbody", {}, ...nodes.map((node) => {
      const figures = Object.entries({ ...node.figures, ...node.result }).filter(([, v]) => typeof v === "number" || typeof v === "string");
      return el("tr", {}, el("td", {}, node.replica), el("td", {}, `in ${sum(node.sockets, "in")} / out ${sum(node.sockets, "out")}`),
        el("td", {}, figures.map(([k, v]) => `${k} ${v}`).join(" · ")));
    }))),
  );
}

function render(snapshot) {
  $("groups").replaceChildren(...topology(snapshot.nodes));
  const patterns = [...new Set(snapshot.nodes.map((n) => n.pattern))].sort();
  $("panels").replaceChildren(...patterns.map((p) => {
    const members = snapshot.nodes.filter((n) => n.pattern === p);
    const built = snapshot.panels.find((made) => made.pattern === p);
    return p === "pipeline" ? pipeline(members) : built ? panel(built) : generic(p, members);
  }));
  drawEdges(snapshot.edges ?? []);
  $("log").replaceChildren(...[...snapshot.log].reverse().map((e) =>
    el("li", { "data-kind": e.kind, "data-replica": e.replica }, `${time(e.at)} ${e.replica} ${e.kind} ${e.detail}`)));
  const refused = Object.entries(snapshot.stats.rejected).map(([reason, n]) => `${reason} ${n}`).join(", ");
  $("stats").textContent = `${snapshot.stats.records} records · ${snapshot.stats.perSecond}/s · refused: ${refused || "none"} · unknown fields: ${snapshot.stats.unknownFields}`;
}

const events = new EventSource("events");
events.onopen = () => { $("link").dataset.state = "live"; $("link").textContent = "live"; };
events.onerror = () => { $("link").dataset.state = "lost"; $("link").textContent = "reconnecting…"; };
events.onmessage = (message) => render(JSON.parse(message.data));
