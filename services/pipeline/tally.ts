// The collector's arithmetic: per-consumer counts and sums, the batch check and the final report.
import { plural, table } from "../runtime/index.js";
import type { BatchStart, Result } from "./messages.js";

export interface ConsumerRow {
  consumer: string;
  count: number;
  sum: number;
}

export type Outcome = "counted" | "duplicate";

export class Tally {
  batch: BatchStart | undefined;
  count = 0;
  sum = 0;
  rejected = 0;
  duplicates = 0;
  /** Task ids the producer announced it sent again. */
  readonly redispatched = new Set<number>();
  private readonly rows = new Map<string, ConsumerRow>();
  private readonly seen = new Set<number>();

  /** Records the producer's batch start; results that came first are already counted. */
  announce(batch: BatchStart): void {
    this.batch = batch;
  }

  /** Counts a result once per task id; a repeated id is a duplicate and adds nothing. */
  add(result: Result): Outcome {
    if (result.task !== undefined) {
      if (this.seen.has(result.task)) {
        this.duplicates++;
        return "duplicate";
      }
      this.seen.add(result.task);
    }
    const row = this.rows.get(result.consumer) ?? { consumer: result.consumer, count: 0, sum: 0 };
    row.count++;
    row.sum += result.num;
    this.rows.set(result.consumer, row);
    this.count++;
    this.sum += result.num;
    return "counted";
  }

  /** The producer's notice that it sent these tasks again; counting stays by task id. */
  redispatch(tasks: number[]): void {
    tasks.forEach((task) => this.redispatched.add(task));
  }

  /** A malformed message: counted apart, never part of a sum. */
  reject(): void {
    this.rejected++;
  }

  /** True once the batch start is in and as many results as it announced. */
  get complete(): boolean {
    return this.batch !== undefined && this.count >= this.batch.tasks;
  }

  /** Per-consumer rows, ordered by consumer id. */
  consumers(): ConsumerRow[] {
    return [...this.rows.values()].sort((a, b) => a.consumer.localeCompare(b.consumer));
  }

  /** Task ids of the results counted so far. */
  tasks(): number[] {
    return [...this.seen];
  }

  /** Task ids from the announced batch that no result carried. */
  missingTasks(): number[] {
    const tasks = this.batch?.tasks ?? 0;
    return Array.from({ length: tasks }, (_, id) => id).filter((id) => !this.seen.has(id));
  }

  /** Empty when the count and the sum match the batch start; otherwise one line per problem. */
  problems(): string[] {
    const { batch, count, sum } = this;
    if (!batch) return [`no batch start from the producer; ${count} results, sum ${sum}`];
    const problems: string[] = [];
    if (count < batch.tasks) {
      // Only ids are known to be missing; results from tutorial consumers carry none.
      const ids = this.seen.size === count ? `: tasks ${ranges(this.missingTasks())}` : "";
      problems.push(`missing ${batch.tasks - count} of ${batch.tasks} results${ids}`);
    }
    if (count > batch.tasks) problems.push(`${count - batch.tasks} results more than the ${batch.tasks} announced`);
    if (sum !== batch.total) problems.push(`sum ${sum} differs from the announced total ${batch.total}`);
    return problems;
  }
}

/** Ids as compact ranges, "0-3, 7, 9-12", cut short after `limit` ranges. */
export function ranges(ids: number[], limit = 10): string {
  const parts: string[] = [];
  const sorted = [...ids].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.length > limit ? `${parts.slice(0, limit).join(", ")}, ... (${parts.length - limit} more ranges)` : parts.join(", ");
}

const percent = (part: number, whole: number) => (whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)}%`);

/** The final report: one row per consumer, then the grand total against the batch start. */
export function report(tally: Tally): string[] {
  const rows = tally.consumers().map((row) => [row.consumer, row.count, row.sum, percent(row.sum, tally.sum)]);
  const announced = tally.batch ? `announced ${plural(tally.batch.tasks, "task")}, total ${tally.batch.total}` : "no batch start";
  return [
    ...table(["consumer", "count", "partial sum", "share of total"], rows),
    `total: ${plural(tally.count, "task")}, sum ${tally.sum} from ${plural(rows.length, "consumer")} (${announced})`,
    // Only after a re-dispatch, so a plain run's report stays as it was.
    ...(tally.redispatched.size > 0 ? [`re-dispatched by the producer: ${plural(tally.redispatched.size, "task")} (${ranges([...tally.redispatched])})`] : []),
    `ignored: ${tally.rejected} rejected, ${tally.duplicates} duplicates`,
  ];
}

/** The live figures the dashboard shows: the tally so far, and the verdict once the batch is in. */
export function figuresOf(tally: Tally): Record<string, unknown> {
  const { count, sum, rejected, duplicates, batch } = tally;
  const verdict = tally.complete ? (tally.problems().length === 0 ? "PASS" : "FAIL") : undefined;
  return { count, sum, expected: batch?.tasks, total: batch?.total, consumers: tally.consumers(), redispatched: tally.redispatched.size, rejected, duplicates, verdict };
}
