import { describe, expect, it } from "vitest";
import { Batcher } from "../../services/runtime/batch.js";
import { percentile, rate, summarize } from "../../services/runtime/stats.js";
import { END, formatPlan, formatResult, parsePlan, parseResults, payload, readFrames, topicOf, type Run } from "../../services/bench/wire.js";
import { bridgeCost, medians, ratio, scaling, type BenchReport, type Throughput } from "../../bench/figures.js";
import { bytes, markdown, markdownTable, si, verdicts } from "../../bench/markdown.js";
import { svg } from "../../bench/svg.js";
import { anchorMarkdown, median, type Anchors } from "../../bench/anchors.js";
import { reqrepMarkdown, type ReqRepImpl, type ReqRepRound } from "../../bench/reqrep.js";

describe("percentiles", () => {
  it("uses the nearest rank", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it("summarizes unsorted samples", () => {
    expect(summarize([5, 1, 3, 2, 4])).toEqual({ p50: 3, p99: 5, max: 5, mean: 3 });
    expect(summarize(Float64Array.from([10.4, 10.6]))).toEqual({ p50: 10, p99: 11, max: 11, mean: 11 });
  });

  it("rates are per second and 0 without time", () => {
    expect(rate(500, 2)).toBe(250);
    expect(rate(500, 0)).toBe(0);
  });
});

describe("wire", () => {
  it("plans round-trip and reject bad runs", () => {
    const runs: Run[] = [{ mode: "naive", size: 64, count: 1000 }, { mode: "lab", size: 65536, count: 5 }];
    expect(parsePlan(formatPlan(runs))).toEqual(runs);
    expect(parsePlan("fast:64:10")).toBeUndefined();
    expect(parsePlan("lab:0:10")).toBeUndefined();
    expect(parsePlan("lab:64:0")).toBeUndefined();
    expect(parsePlan("lab:64")).toBeUndefined();
  });

  it("counts payload frames and sees the end marker", () => {
    expect(readFrames([payload(64), payload(64)])).toEqual({ payloads: 2, bytes: 128, end: false });
    expect(readFrames([END])).toEqual({ payloads: 0, bytes: 0, end: true });
    expect(readFrames([Buffer.from(topicOf(3)), payload(10)], 1)).toEqual({ payloads: 1, bytes: 10, end: false });
  });

  it("reads result lines back from prefixed logs and skips the rest", () => {
    const result = { kind: "latency", rounds: 3, p50: 1, p99: 2, max: 3, mean: 2 } as const;
    const lines = [`bench-pinger@abc ${formatResult(result)}`, "bench-pinger@abc ready: ...", "x BENCH {broken"];
    expect(parseResults(lines)).toEqual([result]);
  });
});

describe("Batcher", () => {
  const recorder = () => {
    const sent: string[][] = [];
    return { sent, send: async (frames: Buffer[]) => void sent.push(frames.map(String)) };
  };

  it("sends a message per `frames` payloads, head first, and the rest on flush", async () => {
    const { sent, send } = recorder();
    const batcher = new Batcher(send, { frames: 2, bytes: 1000 }, [Buffer.from("t1 ")]);
    for (const p of ["a", "b", "c"]) await batcher.add(Buffer.from(p));
    expect(sent).toEqual([["t1 ", "a", "b"]]);
    expect(batcher.pending).toBe(1);
    await batcher.flush();
    await batcher.flush();
    expect(sent).toEqual([["t1 ", "a", "b"], ["t1 ", "c"]]);
  });

  it("never lets a message pass the byte limit unless one payload is larger alone", async () => {
    const { sent, send } = recorder();
    const batcher = new Batcher(send, { frames: 100, bytes: 5 });
    for (const p of ["aa", "bb", "cc", "dddddddd"]) await batcher.add(Buffer.from(p));
    await batcher.flush();
    expect(sent).toEqual([["aa", "bb"], ["cc"], ["dddddddd"]]);
  });
});

const row = (path: Throughput["path"], mode: Throughput["mode"], size: number, perSecond: number): Throughput => ({
  path,
  mode,
  size,
  messages: perSecond * 2,
  seconds: 2,
});

const sample = (): BenchReport => ({
  machine: { cores: 2, memoryGiB: 24, cpu: "Test CPU", docker: "20.10", load: 1.5, date: "2026-01-01 00:00 UTC" },
  throughput: [
    row("containers", "naive", 64, 200_000),
    row("containers", "lab", 64, 400_000),
    row("loopback", "naive", 64, 250_000),
    row("loopback", "lab", 64, 450_000),
    row("containers", "naive", 65536, 10_000),
    row("containers", "lab", 65536, 9_000),
    row("loopback", "naive", 65536, 10_000),
    row("loopback", "lab", 65536, 12_000),
  ],
  latency: [{ path: "containers", rounds: 10_000, p50: 150, p99: 600, max: 9000, mean: 180 }],
  pubsub: [
    { subscribers: 1, mode: "naive", perSecond: 30_000, delivered: 30_000, expected: 30_000 },
    { subscribers: 1, mode: "lab", perSecond: 150_000, delivered: 29_700, expected: 30_000 },
  ],
  pipeline: [
    { consumers: 1, tasks: 200, seconds: 2, load: 1 },
    { consumers: 2, tasks: 200, seconds: 1.1, load: 1 },
    { consumers: 4, tasks: 200, seconds: 1, load: 2 },
  ],
  startup: [{ profile: "pair", ms: 1234.4, first: "pair-client: received 1" }],
});

describe("report arithmetic", () => {
  it("ratios and bridge cost", () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(undefined, 2)).toBeNaN();
    expect(bridgeCost(80, 100)).toBeCloseTo(0.2);
  });

  it("speed-up is against one consumer", () => {
    expect(scaling(sample().pipeline).map((p) => Number(p.speedup.toFixed(3)))).toEqual([1, 1.818, 2]);
  });

  it("medians keep the middle sample of each path, mode and size", () => {
    const picked = medians([row("loopback", "lab", 64, 3), row("loopback", "lab", 64, 1), row("loopback", "lab", 64, 2), row("containers", "lab", 64, 9)]);
    expect(picked.map((t) => [t.path, t.messages / t.seconds])).toEqual([["loopback", 2], ["containers", 9]]);
  });

  it("judges each target from the figures", () => {
    const [labOverNaive, bridge, pipeline] = verdicts(sample());
    expect(labOverNaive).toMatchObject({ measured: "2.00×", met: true });
    // 64 KiB lab: 9 k across containers against 12 k over loopback is a 25 % cost.
    expect(bridge).toMatchObject({ measured: "64 B: 11 %, 64 KiB: 25 %", met: false });
    expect(pipeline).toMatchObject({ measured: "1.82×", met: true });
  });
});

describe("formatting", () => {
  it("si, bytes and tables", () => {
    expect([si(1_234_567), si(45_678), si(950), si(1.5), si(NaN)]).toEqual(["1.23 M", "45.7 k", "950", "1.50", "-"]);
    expect([bytes(64), bytes(1024), bytes(65536), bytes(1000)]).toEqual(["64 B", "1 KiB", "64 KiB", "1000 B"]);
    expect(markdownTable(["a", "b|c"], [["1", "2"]])).toEqual(["| a | b\\|c |", "|---|---|", "| 1 | 2 |"]);
  });

  it("the markdown report holds every section and the machine", () => {
    const text = markdown(sample());
    expect(text).toContain("2 cores (nproc), 24 GiB, Test CPU");
    expect(text).toContain("| 64 B | containers | 200 k | 12.8 | 400 k | 25.6 | 2.00× |");
    expect(text).toContain("| 1 | 30.0 k | 150 k | 5.00× | 100 % | 99 % |");
    expect(text).toContain("| 2 | 200 | 1.10 | 182 | 1.82× | 1.0 |");
    expect(text).toContain("| pair | 1234 | pair-client: received 1 |");
    expect(text).toContain("| containers | 10000 | 150 | 600 | 9000 | 180 |");
  });

  it("the chart has a bar per series and size, and one per consumer count, and escapes text", () => {
    const report = sample();
    report.machine.cores = 2;
    const chart = svg(report);
    expect(chart.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
    expect(chart.trimEnd().endsWith("</svg>")).toBe(true);
    // 8 throughput bars + 4 legend swatches + 3 pipeline bars, plus the background.
    expect(chart.match(/<rect /g)).toHaveLength(1 + 8 + 4 + 3);
    expect(chart).toContain("1.82×");
    expect(chart).not.toMatch(/NaN|undefined/);
    const hostile = { ...report, machine: { ...report.machine, cores: "<2&>" as unknown as number } };
    expect(svg(hostile)).toContain("&#60;2&#38;&#62;");
  });
});

describe("anchors", () => {
  const anchors: Anchors = {
    throughput: [
      { impl: "c", size: 64, messages: 4_000_000, seconds: 1, libzmq: "4.3.4" },
      { impl: "pyzmq", size: 64, messages: 800_000, seconds: 1, libzmq: "4.3.4", pyzmq: "24.0.1" },
    ],
    latency: [
      { impl: "c", rounds: 10, p50: 50, p99: 90, max: 99, mean: 55, libzmq: "4.3.4" },
      { impl: "pyzmq", rounds: 10, p50: 100, p99: 190, max: 199, mean: 110, libzmq: "4.3.4", pyzmq: "24.0.1" },
    ],
    pipeline: [
      ...[1, 0.5, 2].map((seconds) => ({ impl: "lab" as const, consumers: 2, tasks: 20_000, seconds, load: 0 })),
      ...[2, 1, 4].map((seconds) => ({ impl: "pyzmq" as const, consumers: 2, tasks: 20_000, seconds, load: 0 })),
    ],
  };

  it("the median is the middle value, the lower middle for an even count", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([])).toBeNaN();
  });

  it("shows lab figures as ratios to C and pyzmq, names the versions, and compares the pipelines by their medians", () => {
    const text = anchorMarkdown(anchors, sample(), "6.8.0").join("\n");
    expect(text).toContain("libzmq 4.3.4 in C");
    expect(text).toContain("pyzmq 24.0.1");
    expect(text).toContain("zeromq.js 6.8.0");
    expect(text).toMatch(/\| libzmq C \| 4\.00 M \| 1\.00× \| 5\.00× \|/);
    expect(text).toMatch(/\| pyzmq \| 100 \| 2\.00× \| 1\.00× \|/);
    // Medians: lab 1 s, pyzmq 2 s for 20 000 tasks.
    expect(text).toMatch(/lab `pipeline` profile \| 1\.00, 0\.50, 2\.00 \| 20\.0 k \| 2\.00× \|/);
  });
});

describe("reqrep target", () => {
  const round = (impl: ReqRepImpl, p50s: number[]): ReqRepRound[] => p50s.map((p50, i) => ({ impl, round: i + 1, rounds: 10_000, p50, p99: 2 * p50, load: 3 + i }));

  it("compares the median p50s, lab over C and over pyzmq, and says whether the lab is within 1.5× C", () => {
    const text = reqrepMarkdown([...round("lab", [130, 90, 100]), ...round("c", [80, 60, 70]), ...round("pyzmq", [50, 200, 100])]).join("\n");
    expect(text).toContain("load average 3.0 to 5.0");
    // Medians: lab 100, C 70, pyzmq 100.
    expect(text).toMatch(/\| lab `req-client` → `rep-server` \| 130, 90, 100 \| 260, 180, 200 \| 100 \| 1\.43× \| 1\.00× \|/);
    expect(text).toMatch(/\| libzmq C \(anchor\) \| 80, 60, 70 \| 160, 120, 140 \| 70 \| 1\.00× \| 0\.70× \|/);
    expect(text).toContain("Target: lab p50 ≤ 1.5× C's: 1.43×, met");
    const slower = reqrepMarkdown([...round("lab", [160]), ...round("c", [100])]).join("\n");
    expect(slower).toContain("1.60×, not met");
    expect(reqrepMarkdown(round("lab", [100])).join("\n")).toContain("not measured");
  });
});
