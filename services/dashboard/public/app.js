// The live view: renders each snapshot the dashboard streams on /events. Plain DOM, no framework;
// every text goes in through textContent, so nothing a role reports can become markup.
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
};
const rate = (n) => (n >= 10 ? Math.round(n) : n.toFixed(1));
const sum = (sockets, side) => sockets.reduce((total, s) => total + s[side].msgs, 0);
const time = (at) => new Date(at).toISOString().slice(11, 23);

function topology(nodes) {
  const groups = new Map();
  for (const node of nodes) {
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
    return p === "pipeline" ? pipeline(members) : generic(p, members);
  }));
  $("log").replaceChildren(...[...snapshot.log].reverse().map((e) =>
    el("li", { "data-kind": e.kind, "data-replica": e.replica }, `${time(e.at)} ${e.replica} ${e.kind} ${e.detail}`)));
  const refused = Object.entries(snapshot.stats.rejected).map(([reason, n]) => `${reason} ${n}`).join(", ");
  $("stats").textContent = `${snapshot.stats.records} records · ${snapshot.stats.perSecond}/s · refused: ${refused || "none"} · unknown fields: ${snapshot.stats.unknownFields}`;
}

const events = new EventSource("events");
events.onopen = () => { $("link").dataset.state = "live"; $("link").textContent = "live"; };
events.onerror = () => { $("link").dataset.state = "lost"; $("link").textContent = "reconnecting…"; };
events.onmessage = (message) => render(JSON.parse(message.data));
