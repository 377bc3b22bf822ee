// What `npm run bench` found, and how it is shown: the markdown table, the targets and the SVG chart.
// Pure functions only, so formatting and arithmetic are unit-tested without Docker.
import type { Mode } from "../services/bench/wire.js";

export type Path = "containers" | "loopback";

export interface Throughput {
  path: Path;
  mode: Mode;
  size: number;
  messages: number;
  seconds: number;
}

export interface Latency {
  path: Path;
  rounds: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PubSub {
  subscribers: number;
  mode: Mode;
  /** Sum over subscribers of each one's delivered payloads per second. */
  perSecond: number;
  delivered: number;
  expected: number;
}

export interface Pipeline {
  consumers: number;
  tasks: number;
  seconds: number;
  /** The host's 1-minute load average as the run started: other jobs share the cores. */
  load: number;
}

export interface Startup {
  profile: string;
  /** From `docker compose up` to the first delivered message's log line. */
  ms: number;
  first: string;
}

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpu: string;
  docker: string;
  /** 1-minute load average when the bench started. */
  load: number;
  date: string;
}

export interface BrokerBench {
  /** REQ/REP round trips through lb-broker (one worker, no work), beside the direct ones in `latency`. */
  latency: Latency;
  /** One batch, 4 workers of which one is slow: PUSH round robin vs the broker. */
  makespan: { tasks: number; fastMs: number; slowMs: number; fast: number; clients: number; pipelineSeconds: number; brokerSeconds: number };
}

export interface BenchReport {
  machine: Machine;
  throughput: Throughput[];
  latency: Latency[];
  pubsub: PubSub[];
  pipeline: Pipeline[];
  startup: Startup[];
  broker?: BrokerBench;
}

/** The broker's tables: round trips direct vs through lb-broker, and the slow-worker makespans. */
export function brokerMarkdown(broker: BrokerBench, direct: Latency | undefined): string[] {
  const { latency: b, makespan: m } = broker;
  const row = (path: string, l: Latency) => [path, String(l.rounds), String(l.p50), String(l.p99), String(l.mean), si(l.mean > 0 ? 1e6 / l.mean : NaN)];
  return [
    "**REQ/REP round trip, direct vs through lb-broker**, 64 B, one client, across containers",
    "",
    ...markdownTable(
      ["path", "round trips", "p50 µs", "p99 µs", "mean µs", "round trips/s"],
      [...(direct ? [row("direct (bench-echo)", direct)] : []), row("lb-broker + 1 worker", b)],
    ),
    "",
    `**One slow worker**: ${m.tasks} tasks of ${m.fastMs} ms on ${m.fast} workers and one of ${m.slowMs} ms (broker: ${m.clients} clients)`,
    "",
    ...markdownTable(
      ["path", "makespan s"],
      [
        ["pipeline (PUSH round robin)", m.pipelineSeconds.toFixed(2)],
        ["broker (least recently used ready worker)", m.brokerSeconds.toFixed(2)],
        ["pipeline ÷ broker", times(ratio(m.pipelineSeconds, m.brokerSeconds))],
      ],
    ),
  ];
}

export const TARGETS = { labOverNaive64: 1.5, bridgeCost: 0.2, pipelineSpeedup2: 1.7 };

export const perSecond = ({ messages, seconds }: { messages: number; seconds: number }) => (seconds > 0 ? messages / seconds : 0);
export const mbPerSecond = (t: Throughput) => (perSecond(t) * t.size) / 1e6;
/** Per path, mode and size, the sample with the median rate (the lower middle one for an even count). */
export function medians(samples: Throughput[]): Throughput[] {
  const groups = new Map<string, Throughput[]>();
  for (const sample of samples) {
    const key = `${sample.path} ${sample.mode} ${sample.size}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => perSecond(a) - perSecond(b));
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  });
}

/** a ÷ b, NaN when b is 0 or missing. */
export const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : NaN);
/** The share of loopback throughput lost across the bridge: 1 - containers ÷ loopback. */
export const bridgeCost = (containers: number | undefined, loopback: number | undefined) => 1 - ratio(containers, loopback);

export const find = (rows: Throughput[], path: Path, mode: Mode, size: number) =>
  rows.find((row) => row.path === path && row.mode === mode && row.size === size);

/** Pipeline tasks/s for `consumers`, and the speed-up against one consumer. */
export function scaling(rows: Pipeline[]): Array<Pipeline & { perSecond: number; speedup: number }> {
  const rate = (row: Pipeline) => (row.seconds > 0 ? row.tasks / row.seconds : 0);
  const one = rows.find((row) => row.consumers === 1);
  return rows.map((row) => ({ ...row, perSecond: rate(row), speedup: ratio(rate(row), one && rate(one)) }));
}

// ---- formatting ----

/** 1234567 → "1.23 M", 45678 → "45.7 k", 950 → "950"; "-" for NaN. */
export function si(value: number): string {
  if (!Number.isFinite(value)) return "-";
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)} M`;
  if (abs >= 1e3) return `${(value / 1e3).toPrecision(3)} k`;
  return abs >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

export const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "-");
export const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)} %` : "-");
export const bytes = (size: number) => (size >= 1024 && size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`);

export function markdownTable(header: string[], rows: string[][]): string[] {
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  return [`| ${header.map(escape).join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`)];
}

const sizesOf = (rows: Throughput[]) => [...new Set(rows.map((row) => row.size))].sort((a, b) => a - b);

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

export function verdicts(report: BenchReport): Verdict[] {
  const t = report.throughput;
  const lab64 = ratio(perSecond(find(t, "containers", "lab", 64) ?? none), perSecond(find(t, "containers", "naive", 64) ?? none));
  const costs = sizesOf(t).map((size) => [size, bridgeCost(rate(find(t, "containers", "lab", size)), rate(find(t, "loopback", "lab", size)))] as const);
  const worst = costs.reduce((a, b) => (b[1] > a[1] ? b : a), [0, -Infinity] as readonly [number, number]);
  const two = scaling(report.pipeline).find((row) => row.consumers === 2)?.speedup ?? NaN;
  return [
    { target: `lab ÷ naive, 64 B across containers ≥ ${TARGETS.labOverNaive64}×`, measured: times(lab64), met: lab64 >= TARGETS.labOverNaive64 },
    {
      target: `bridge cost ≤ ${percent(TARGETS.bridgeCost)} (lab path, every size)`,
      measured: costs.map(([size, cost]) => `${bytes(size)}: ${percent(cost)}`).join(", ") || "-",
      met: costs.length > 0 && worst[1] <= TARGETS.bridgeCost,
    },
    { target: `pipeline 1 → 2 consumers ≥ ${TARGETS.pipelineSpeedup2}×`, measured: times(two), met: two >= TARGETS.pipelineSpeedup2 },
  ];
}

const none = { messages: 0, seconds: 0 };
const rate = (row: Throughput | undefined) => (row ? perSecond(row) : undefined);

/** The whole report as markdown: one table per measurement, then the targets. */
export function markdown(report: BenchReport): string {
  const { machine, throughput: t } = report;
  const lines: string[] = [
    `Machine: ${machine.cores} cores (nproc), ${machine.memoryGiB.toFixed(0)} GiB, ${machine.cpu}; Docker ${machine.docker}; ` +
      `load average ${machine.load.toFixed(1)} at the start; ${machine.date}.`,
    "",
    "**PUSH/PULL throughput**, median of 3 (naive: one awaited send per message; lab: batched multipart)",
    "",
    ...markdownTable(
      ["size", "path", "naive msg/s", "naive MB/s", "lab msg/s", "lab MB/s", "lab ÷ naive"],
      sizesOf(t).flatMap((size) =>
        (["containers", "loopback"] as const).map((path) => {
          const [naive, lab] = [find(t, path, "naive", size), find(t, path, "lab", size)];
          return [
            bytes(size),
            path,
            si(rate(naive) ?? NaN),
            si(naive ? mbPerSecond(naive) : NaN),
            si(rate(lab) ?? NaN),
            si(lab ? mbPerSecond(lab) : NaN),
            times(ratio(rate(lab), rate(naive))),
          ];
        }),
      ),
    ),
    "",
    "**Bridge cost** (1 − containers ÷ loopback, same code)",
    "",
    ...markdownTable(
      ["size", "naive", "lab"],
      sizesOf(t).map((size) => [
        bytes(size),
        ...(["naive", "lab"] as const).map((mode) => percent(bridgeCost(rate(find(t, "containers", mode, size)), rate(find(t, "loopback", mode, size))))),
      ]),
    ),
    "",
    "**REQ/REP round trip**, 64 B",
    "",
    ...markdownTable(
      ["path", "round trips", "p50 µs", "p99 µs", "max µs", "mean µs"],
      report.latency.map((l) => [l.path, String(l.rounds), String(l.p50), String(l.p99), String(l.max), String(l.mean)]),
    ),
    "",
    "**PUB/SUB delivered msg/s**, topic filter matching 10 %, across containers",
    "",
    ...markdownTable(
      ["subscribers", "naive msg/s", "lab msg/s", "lab ÷ naive", "naive delivered", "lab delivered"],
      [...new Set(report.pubsub.map((p) => p.subscribers))].map((subscribers) => {
        const [naive, lab] = (["naive", "lab"] as const).map((mode) => report.pubsub.find((p) => p.subscribers === subscribers && p.mode === mode));
        const share = (p?: PubSub) => (p ? percent(p.delivered / p.expected) : "-");
        return [String(subscribers), si(naive?.perSecond ?? NaN), si(lab?.perSecond ?? NaN), times(ratio(lab?.perSecond, naive?.perSecond)), share(naive), share(lab)];
      }),
    ),
    "",
    `**Pipeline scaling**, CPU-bound task, on ${machine.cores} cores`,
    "",
    ...markdownTable(
      ["consumers", "tasks", "seconds", "tasks/s", "speed-up vs 1", "load avg at start"],
      scaling(report.pipeline).map((p) => [String(p.consumers), String(p.tasks), p.seconds.toFixed(2), si(p.perSecond), times(p.speedup), p.load.toFixed(1)]),
    ),
    "",
    "**Time from `docker compose up` (warm image) to the first message delivered**",
    "",
    ...markdownTable(
      ["profile", "ms", "first message"],
      report.startup.map((s) => [s.profile, Number.isFinite(s.ms) ? s.ms.toFixed(0) : "-", s.first]),
    ),
    ...(report.broker ? ["", ...brokerMarkdown(report.broker, report.latency.find((l) => l.path === "containers"))] : []),
    "",
    "**Targets**",
    "",
    ...markdownTable(
      ["target", "measured", "met"],
      verdicts(report).map((v) => [v.target, v.measured, v.met ? "yes" : "no"]),
    ),
  ];
  return lines.join("\n") + "\n";
}

// ---- the chart ----

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SERIES: Array<{ path: Path; mode: Mode; label: string; color: string }> = [
  { path: "loopback", mode: "naive", label: "naive, loopback", color: "#c6dbef" },
  { path: "containers", mode: "naive", label: "naive, containers", color: "#6baed6" },
  { path: "loopback", mode: "lab", label: "lab, loopback", color: "#fdd0a2" },
  { path: "containers", mode: "lab", label: "lab, containers", color: "#e6550d" },
];

/**
 * Two panels: PUSH/PULL msg/s by message size (log scale, one bar per path and mode) and the
 * pipeline's tasks/s by consumer count with the speed-up over each bar.
 */
export function svg(report: BenchReport): string {
  const [W, H, top, bottom] = [900, 380, 50, 320];
  const out: string[] = [];
  const text = (x: number, y: number, body: string, extra = "") =>
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${extra}>${escapeXml(body)}</text>`);
  const rect = (x: number, y: number, w: number, h: number, fill: string, title: string) =>
    out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${fill}"><title>${escapeXml(title)}</title></rect>`);
  const line = (x1: number, y1: number, x2: number, y2: number, stroke = "#ddd") =>
    out.push(`<line x1="${x1}" y1="${y1.toFixed(1)}" x2="${x2}" y2="${y2.toFixed(1)}" stroke="${stroke}"/>`);

  // Left: throughput, log10 scale.
  const [lx, lw] = [70, 480];
  const rates = report.throughput.map(perSecond).filter((r) => r > 0);
  // A decade of room below the slowest bar, so even the smallest is visible.
  const lo = Math.floor(Math.log10(Math.min(...rates, 1e5) / 3));
  const hi = Math.ceil(Math.log10(Math.max(...rates, 1e5)));
  const y = (r: number) => bottom - ((Math.log10(Math.max(r, 10 ** lo)) - lo) / (hi - lo)) * (bottom - top);
  text(lx, 24, "PUSH/PULL throughput by message size (msg/s, log scale)", ' font-weight="bold"');
  for (let p = lo; p <= hi; p++) {
    line(lx, y(10 ** p), lx + lw, y(10 ** p));
    text(lx - 8, y(10 ** p) + 4, si(10 ** p).replace(".00", ""), ' text-anchor="end"');
  }
  const sizes = sizesOf(report.throughput);
  const group = lw / Math.max(1, sizes.length);
  const bar = (group * 0.8) / SERIES.length;
  sizes.forEach((size, g) => {
    SERIES.forEach((s, i) => {
      const row = find(report.throughput, s.path, s.mode, size);
      if (!row) return;
      const x = lx + g * group + group * 0.1 + i * bar;
      rect(x, y(perSecond(row)), bar - 2, bottom - y(perSecond(row)), s.color, `${bytes(size)} ${s.label}: ${si(perSecond(row))} msg/s, ${si(mbPerSecond(row))} MB/s`);
    });
    text(lx + g * group + group / 2, bottom + 18, bytes(size), ' text-anchor="middle"');
  });
  SERIES.forEach((s, i) => {
    rect(lx + i * 120, H - 30, 12, 12, s.color, s.label);
    text(lx + i * 120 + 16, H - 20, s.label);
  });

  // Right: pipeline scaling, linear scale.
  const [rx, rw] = [640, 220];
  const rows = scaling(report.pipeline);
  const peak = Math.max(...rows.map((r) => r.perSecond), 1);
  const ry = (r: number) => bottom - (r / peak) * (bottom - top - 20);
  text(rx - 40, 24, `Pipeline, CPU-bound (tasks/s, ${report.machine.cores} cores)`, ' font-weight="bold"');
  line(rx, bottom, rx + rw, bottom, "#999");
  const slot = rw / Math.max(1, rows.length);
  rows.forEach((r, i) => {
    const x = rx + i * slot + slot * 0.2;
    rect(x, ry(r.perSecond), slot * 0.6, bottom - ry(r.perSecond), "#31a354", `${r.consumers} consumers: ${si(r.perSecond)} tasks/s, ${times(r.speedup)}`);
    text(x + slot * 0.3, ry(r.perSecond) - 6, `${si(r.perSecond)} (${times(r.speedup)})`, ' text-anchor="middle"');
    text(x + slot * 0.3, bottom + 18, `${r.consumers}`, ' text-anchor="middle"');
  });
  text(rx + rw / 2, bottom + 36, "consumers", ' text-anchor="middle"');

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    ...out,
    "</svg>",
    "",
  ].join("\n");
}
