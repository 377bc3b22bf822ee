// The collector's tally: per-consumer counts and sums checked against the one batch start it
// accepts, the human report (a table) and the RESULT object tests and the bench read.
import { IdMap, plural, ranges, table } from "../runtime/index.js";
import type { BatchStart, Result } from "./wire.js";

export interface ConsumerRow {
  consumer: string;
  count: number;
  sum: number;
}

export type Outcome = "counted" | "duplicate" | "rejected";

/** Consumer ids beyond this many share one row, so forged ids can't grow the collector's state. */
export const MAX_CONSUMER_ROWS = 256;
/** The row for results from consumers past the cap; not a valid id, so no consumer can take it. */
export const MORE = "(more)";
/** Missing task ids listed in RESULT; `missing` always has the full count. */
const MISSING_LISTED = 1000;

export class Tally {
  batch: BatchStart | undefined;
  count = 0;
  sum = 0;
  rejected = 0;
  duplicates = 0;
  /** Batch starts that differ from the accepted one: counted, never applied. */
  batchesRejected = 0;
  /** Task ids the producer announced it sent again. */
  readonly redispatched = new Set<number>();
  /** Consumer id → its row's index in `rowList`, where a counted task keeps its row as that index. */
  private readonly rows = new Map<string, number>();
  private readonly rowList: ConsumerRow[] = [];
  /** Each counted task id and what was counted for it, so a result outside the batch can be taken back. */
  private readonly seen = new IdMap();
  private readonly rowOf = new IdMap();

  /**
   * The producer's batch start. The first one is accepted, and results counted before it whose
   * task id lies outside it are taken back as rejected. The same batch again (the producer repeats
   * it to a reconnecting collector) is accepted; any other is rejected.
   */
  announce(batch: BatchStart): "accepted" | "rejected" {
    if (this.batch) {
      if (batch.tasks === this.batch.tasks && batch.total === this.batch.total) return "accepted";
      this.batchesRejected++;
      return "rejected";
    }
    this.batch = batch;
    for (const [task, num] of this.seen) {
      if (task < batch.tasks) continue;
      const row = this.rowList[this.rowOf.get(task)!]!;
      this.seen.delete(task);
      this.rowOf.delete(task);
      [row.count, row.sum, this.count, this.sum] = [row.count - 1, row.sum - num, this.count - 1, this.sum - num];
      this.rejected++;
    }
    return "accepted";
  }

  /** Counts a result once per task id; a repeated id is a duplicate, an id outside the batch is rejected. */
  add(result: Result): Outcome {
    if (result.task !== undefined) {
      if (this.batch && result.task >= this.batch.tasks) {
        this.rejected++;
        return "rejected";
      }
      if (this.seen.has(result.task)) {
        this.duplicates++;
        return "duplicate";
      }
    }
    const index = this.row(result.consumer);
    const row = this.rowList[index]!;
    row.count++;
    row.sum += result.num;
    if (result.task !== undefined) {
      this.seen.set(result.task, result.num);
      this.rowOf.set(result.task, index);
    }
    this.count++;
    this.sum += result.num;
    return "counted";
  }

  /** The index of the consumer's row, made on its first result. */
  private row(consumer: string): number {
    const id = this.rows.has(consumer) || this.rows.size < MAX_CONSUMER_ROWS - 1 ? consumer : MORE;
    let index = this.rows.get(id);
    if (index === undefined) {
      index = this.rowList.push({ consumer: id, count: 0, sum: 0 }) - 1;
      this.rows.set(id, index);
    }
    return index;
  }

  /**
   * The producer's notice that it sent these tasks again; counting stays by task id. True when it
   * names a task still open (in the batch, no result yet): only then is it news.
   */
  redispatch(tasks: number[]): boolean {
    const inBatch = tasks.filter((task) => !this.batch || task < this.batch.tasks);
    inBatch.forEach((task) => this.redispatched.add(task));
    return inBatch.some((task) => !this.seen.has(task));
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
    return this.rowList.filter((row) => row.count > 0).sort((a, b) => a.consumer.localeCompare(b.consumer));
  }

  /** Task ids of the results counted so far. */
  tasks(): number[] {
    return [...this.seen.keys()];
  }

  /** Task ids from the announced batch that no result carried. */
  missingTasks(): number[] {
    const tasks = this.batch?.tasks ?? 0;
    return Array.from({ length: tasks }, (_, id) => id).filter((id) => !this.seen.has(id));
  }

  /** Whether every counted result carried a task id, so the missing ones are known by id. */
  private get idsKnown(): boolean {
    return this.seen.size === this.count;
  }

  /** Empty when the count and the sum match the batch start; otherwise one line per problem. */
  problems(): string[] {
    const { batch, count, sum } = this;
    if (!batch) return [`no batch start from the producer; ${count} results, sum ${sum}`];
    const problems: string[] = [];
    if (count < batch.tasks) {
      // Only ids are known to be missing; results from tutorial consumers carry none.
      const ids = this.idsKnown ? `: tasks ${ranges(this.missingTasks())}` : "";
      problems.push(`missing ${batch.tasks - count} of ${batch.tasks} results${ids}`);
    }
    if (count > batch.tasks) problems.push(`${count - batch.tasks} results more than the ${batch.tasks} announced`);
    if (sum !== batch.total) problems.push(`sum ${sum} differs from the announced total ${batch.total}`);
    return problems;
  }
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
    ...(tally.redispatched.size > 0 ? [`re-dispatched by the producer: ${plural(tally.redispatched.size, "task")} (${ranges(tally.redispatched)})`] : []),
    `ignored: ${tally.rejected} rejected, ${tally.duplicates} duplicates` + (tally.batchesRejected > 0 ? `, ${plural(tally.batchesRejected, "batch start")} after the first` : ""),
  ];
}

/** The collector's RESULT: what the report says, for programs (fields in docs/patterns/pipeline.md). */
export interface CollectorResult {
  verdict: "PASS" | "FAIL";
  /** The accepted batch start, or null when none came. */
  announced: BatchStart | null;
  count: number;
  sum: number;
  /** Per consumer id (a lab consumer's id is its replica name, `consumer-2`): results counted and their sum. */
  consumers: Record<string, { count: number; sum: number }>;
  /** How many of the announced tasks no result carried, and their ids (the first 1000; [] when results carried no ids). */
  missing: number;
  missingTasks: number[];
  redispatched: number;
  rejected: number;
  duplicates: number;
  batchesRejected: number;
  /** Why the batch ended: every result in, or nothing new for COLLECTOR_TIMEOUT_MS. */
  ended: "complete" | "timeout";
  problems: string[];
}

export function collectorResult(tally: Tally, ended: CollectorResult["ended"]): CollectorResult {
  const problems = tally.problems();
  const missing = tally.batch ? Math.max(0, tally.batch.tasks - tally.count) : 0;
  const idsKnown = tally.tasks().length === tally.count;
  return {
    verdict: problems.length === 0 ? "PASS" : "FAIL",
    announced: tally.batch ?? null,
    count: tally.count,
    sum: tally.sum,
    consumers: Object.fromEntries(tally.consumers().map(({ consumer, count, sum }) => [consumer, { count, sum }])),
    missing,
    missingTasks: missing > 0 && idsKnown ? tally.missingTasks().slice(0, MISSING_LISTED) : [],
    redispatched: tally.redispatched.size,
    rejected: tally.rejected,
    duplicates: tally.duplicates,
    batchesRejected: tally.batchesRejected,
    ended,
    problems,
  };
}

/** The live figures the dashboard shows: the tally so far, and the verdict once the batch is in. */
export function figuresOf(tally: Tally): Record<string, unknown> {
  const { count, sum, rejected, duplicates, batch } = tally;
  const verdict = tally.complete ? (tally.problems().length === 0 ? "PASS" : "FAIL") : undefined;
  return { count, sum, expected: batch?.tasks, total: batch?.total, consumers: tally.consumers(), redispatched: tally.redispatched.size, rejected, duplicates, verdict };
}
