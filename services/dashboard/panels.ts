// The per-pattern panels of PUB-SUB, REQ-REP and PAIR, as tables of the roles' own figures (their
// `role.figures` while they run, their RESULT once done). Built here, not in the page, so the unit
// tests check them; the page only draws the rows. The pipeline's panel is the page's own (bars, verdict).
import type { Node } from "./view.js";

export interface Cell {
  /** A class the page gives the cell, for tests and styles (`replies`, `mean`...). */
  key?: string;
  value: string | number | null;
}

export interface Row {
  /** `data-*` attributes of the row: which replica, publisher or client it is about. */
  data: Record<string, string>;
  cells: Cell[];
  total?: boolean;
}

export interface Panel {
  pattern: string;
  title: string;
  lines: string[];
  tables: Array<{ heads: string[]; rows: Row[] }>;
}

type Figures = Record<string, unknown>;
/** Live figures, then the RESULT over them. */
const figuresOf = (node: Node): Figures => ({ ...node.figures, ...node.result });
const num = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);
const str = (value: unknown) => (typeof value === "string" ? value : null);
const obj = (value: unknown): Record<string, unknown> => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const cell = (key: string | undefined, value: Cell["value"]): Cell => (key ? { key, value } : { value });
/** `3 of 120`, or `unknown` without a count stream (a tutorial publisher). */
const lostOf = (f: Figures) => (num(f.checked) === null ? "unknown" : `${num(f.dropped) ?? 0} of ${num(f.checked)}`);

/** PUB-SUB: per subscriber, its updates and mean for the filtered zip, per publisher and in all, and the drops. */
function pubsub(nodes: Node[]): Panel {
  const publishers = nodes.filter((n) => n.role === "weather-pub");
  const rows = nodes
    .filter((n) => n.role === "weather-sub")
    .flatMap((node): Row[] => {
      const f = figuresOf(node);
      const all: Row = {
        data: { sub: node.replica },
        total: true,
        cells: [cell(undefined, node.replica), cell("zip", str(f.zip)), cell(undefined, "all"), cell("updates", num(f.updates)), cell("mean", num(f.mean)), cell("lost", lostOf(f)), cell("rejected", num(f.rejected))],
      };
      const each = Object.entries(obj(f.publishers)).map(([publisher, figures]): Row => {
        const p = obj(figures);
        return { data: { sub: node.replica, publisher }, cells: [cell(undefined, ""), cell(undefined, ""), cell(undefined, publisher), cell("updates", num(p.updates)), cell("mean", num(p.mean)), cell("lost", lostOf(p)), cell(undefined, "")] };
      });
      return [all, ...each];
    });
  return {
    pattern: "pubsub",
    title: "PUB-SUB",
    lines: [publishers.map((n) => `${n.replica} published ${num(figuresOf(n).sent) ?? 0}`).join(" · ") || "no publisher yet"],
    tables: [{ heads: ["subscriber", "zip", "from", "updates", "mean °F", "lost", "rejected"], rows }],
  };
}

/** REQ-REP: each client's replies and retries, and each server's table of requests answered per client. */
function reqrep(nodes: Node[]): Panel {
  const clients = nodes
    .filter((n) => n.role === "req-client")
    .map((node): Row => {
      const f = figuresOf(node);
      return { data: { client: node.replica }, cells: [cell(undefined, node.replica), cell("replies", num(f.replies)), cell("requests", num(f.requests)), cell("retries", num(f.retries)), cell("verdict", str(f.verdict) ?? node.state)] };
    });
  const servers = nodes
    .filter((n) => n.role === "rep-server")
    .flatMap((node) => {
      const f = figuresOf(node);
      const rows = Object.entries(obj(f.clients)).map(([client, n]): Row => ({ data: { server: node.replica, client }, cells: [cell(undefined, node.replica), cell(undefined, client), cell("answered", num(n))] }));
      const rejected = num(f.rejected);
      return rejected ? [...rows, { data: { server: node.replica }, cells: [cell(undefined, node.replica), cell(undefined, "(rejected)"), cell("rejected", rejected)] }] : rows;
    });
  return {
    pattern: "reqrep",
    title: "REQ-REP",
    lines: [],
    tables: [
      { heads: ["client", "replies", "of", "retries", "verdict"], rows: clients },
      { heads: ["server", "client", "answered"], rows: servers },
    ],
  };
}

/** PAIR: the client's exchanges, the server's replies (per client, PAIR taking one at a time). */
function pair(nodes: Node[]): Panel {
  const rows = nodes.flatMap((node): Row[] => {
    const f = figuresOf(node);
    if (node.role === "pair-client") return [{ data: { pair: node.replica }, cells: [cell(undefined, node.replica), cell("exchanges", num(f.exchanges) ?? 0), cell("of", num(f.messages))] }];
    if (node.role !== "pair-server") return [];
    return Object.entries(obj(f.clients)).map(([client, n]) => ({ data: { pair: node.replica, client }, cells: [cell(undefined, `${node.replica} ← ${client}`), cell("exchanges", num(n)), cell("of", null)] }));
  });
  return { pattern: "pair", title: "PAIR", lines: [], tables: [{ heads: ["replica", "exchanges", "of"], rows }] };
}

const PANELS: Record<string, (nodes: Node[]) => Panel> = { pubsub, reqrep, pair };

/** The panels of the patterns that have one, from every node; the page shows the rest generically. */
export function panelsOf(nodes: readonly Node[]): Panel[] {
  const patterns = [...new Set(nodes.map((n) => n.pattern))].filter((p) => p in PANELS).sort();
  return patterns.map((p) => PANELS[p]!(nodes.filter((n) => n.pattern === p)));
}
