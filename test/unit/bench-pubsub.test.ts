import { describe, expect, it } from "vitest";
import { pathsMarkdown, type Anchors } from "../../bench/anchors.js";
import type { BenchReport } from "../../bench/figures.js";
import { pubsubMarkdown, type FeedRound } from "../../bench/pubsub.js";

const round = (impl: FeedRound["impl"], updates: number, seconds: number, dropped: number | null): FeedRound => ({
  impl,
  updates,
  seconds,
  published: 1_000_000,
  publishedSeconds: 2,
  checked: dropped === null ? null : 1000,
  dropped,
  load: 1,
});

describe("the pubsub target's table", () => {
  it("takes each side's median delivered rate, the ratio to pyzmq, and sums the lab's losses", () => {
    const rounds = [round("lab", 30_000, 1, 10), round("pyzmq", 10_000, 1, null), round("lab", 20_000, 1, 0), round("pyzmq", 8_000, 1, null), round("lab", 25_000, 1, 5)];
    const lines = pubsubMarkdown(rounds);
    const row = (start: string) => lines.find((line) => line.startsWith(`| ${start}`))!.split(" | ");
    // Lab: 20 k, 25 k, 30 k → 25 k; pyzmq: 8 k, 10 k → the lower middle, 8 k.
    expect(row("lab")).toEqual(["| lab weather-pub (PUB_RATE=max) → weather-sub", "30.0 k in 1.00 s, 20.0 k in 1.00 s, 25.0 k in 1.00 s", "25.0 k", "3.13×", "500 k", "15 of 3000 (1 %) |"]);
    expect(row("tutorial")[2]).toBe("8.00 k");
    expect(row("tutorial")[5]).toBe("not counted (no count stream) |");
    expect(lines.at(-1)).toBe("Target: lab ≥ 2× pyzmq's delivered rate: 3.13×, met.");
  });

  it("says not met, and shows no ratio, when a side has no round", () => {
    expect(pubsubMarkdown([round("lab", 30_000, 1, 0)]).at(-1)).toBe("Target: lab ≥ 2× pyzmq's delivered rate: -, not met.");
  });
});

describe("the anchors by path", () => {
  it("divides each lab figure by C's and pyzmq's on the same path", () => {
    const anchors: Anchors = {
      throughput: [{ impl: "c", size: 64, messages: 2_000_000, seconds: 1, libzmq: "4.3.4" }, { impl: "pyzmq", size: 64, messages: 400_000, seconds: 1, libzmq: "4.3.4" }],
      latency: [{ impl: "c", rounds: 10, p50: 100, p99: 0, max: 0, mean: 0, libzmq: "4.3.4" }],
      pipeline: [],
      loopback: { throughput: [{ impl: "c", size: 64, messages: 1_000_000, seconds: 1, libzmq: "4.3.4" }], latency: [{ impl: "c", rounds: 10, p50: 50, p99: 0, max: 0, mean: 0, libzmq: "4.3.4" }] },
    };
    const report = {
      throughput: [
        { path: "containers", mode: "lab", size: 64, messages: 400_000, seconds: 1 },
        { path: "loopback", mode: "lab", size: 64, messages: 500_000, seconds: 1 },
      ],
      latency: [{ path: "loopback", rounds: 10, p50: 75, p99: 0, max: 0, mean: 0 }],
    } as unknown as BenchReport;
    const rows = pathsMarkdown(anchors, report).filter((line) => line.startsWith("| lab bench"));
    expect(rows).toEqual([
      "| lab bench, naive | containers | - | - | - |",
      "| lab bench, batched | containers | 400 k | 0.20× | 1.00× |",
      "| lab bench, naive | loopback | - | - | - |",
      "| lab bench, batched | loopback | 500 k | 0.50× | - |",
      "| lab bench (bench-echo, bench-pinger) | containers | - | - | - |",
      "| lab bench (bench-echo, bench-pinger) | loopback | 75 | 1.50× | - |",
    ]);
  });
});
