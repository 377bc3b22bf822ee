// `npm run bench`'s report as markdown: one table per measurement, then the targets. The number
// formats here are the chart's too (svg.ts).
import {
  bridgeCost,
  find,
  mbPerSecond,
  perSecond,
  rateOf,
  ratio,
  roundTripsPerSecond,
  scaling,
  sizesOf,
  targetFigures,
  TARGETS,
  type BenchReport,
  type BrokerBench,
  type Latency,
  type PubSub,
} from "./figures.js";

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

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

export function verdicts(report: BenchReport): Verdict[] {
  const { labOverNaive64, bridgeCosts, worstBridgeCost, pipelineSpeedup2 } = targetFigures(report);
  return [
    { target: `lab ÷ naive, 64 B across containers ≥ ${TARGETS.labOverNaive64}×`, measured: times(labOverNaive64), met: labOverNaive64 >= TARGETS.labOverNaive64 },
    {
      target: `bridge cost ≤ ${percent(TARGETS.bridgeCost)} (lab path, every size)`,
      measured: bridgeCosts.map(([size, cost]) => `${bytes(size)}: ${percent(cost)}`).join(", ") || "-",
      met: bridgeCosts.length > 0 && worstBridgeCost <= TARGETS.bridgeCost,
    },
    { target: `pipeline 1 → 2 consumers ≥ ${TARGETS.pipelineSpeedup2}×`, measured: times(pipelineSpeedup2), met: pipelineSpeedup2 >= TARGETS.pipelineSpeedup2 },
  ];
}

/** The broker's tables: round trips direct vs through lb-broker, and the slow-worker makespans. */
export function brokerMarkdown(broker: BrokerBench, direct: Latency | undefined): string[] {
  const { latency: b, makespan: m } = broker;
  const row = (path: string, l: Latency) => [path, String(l.rounds), String(l.p50), String(l.p99), String(l.mean), si(roundTripsPerSecond(l))];
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
          const [naiveRate, labRate] = [naive && perSecond(naive), lab && perSecond(lab)];
          return [
            bytes(size),
            path,
            si(naiveRate ?? NaN),
            si(naive ? mbPerSecond(naive) : NaN),
            si(labRate ?? NaN),
            si(lab ? mbPerSecond(lab) : NaN),
            times(ratio(labRate, naiveRate)),
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
        ...(["naive", "lab"] as const).map((mode) => percent(bridgeCost(rateOf(t, "containers", mode, size), rateOf(t, "loopback", mode, size)))),
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
