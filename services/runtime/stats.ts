// Timing arithmetic, pure so it is unit-tested: percentiles of measured times (the bench's, and
// req-client's round trips), and rates.

/** The p-th percentile (0-100) by nearest rank of sorted `values`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50, p99, max and mean of `samples` (any order), rounded to whole units. */
export function summarize(samples: ArrayLike<number>): { p50: number; p99: number; max: number; mean: number } {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const round = (value: number) => Math.round(value);
  return {
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length === 0 ? NaN : sorted[sorted.length - 1]!),
    mean: round(sum / sorted.length),
  };
}

/** Per second, 0 when no time passed. */
export const rate = (count: number, seconds: number) => (seconds > 0 ? count / seconds : 0);
