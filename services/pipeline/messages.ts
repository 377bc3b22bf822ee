// The pipeline's wire formats, all single-frame JSON. The tutorial's fields (`num`, `consumer`)
// keep their meaning, so its pyzmq scripts can join; `task` ids are extra, and optional on input.
// The results port carries results only, as the tutorial's collector reads it; the batch start and
// re-dispatch notices travel on the collector's batch port, confirmations and the stop on its control port.

/** producer → consumer: one task, `{"num": 7, "task": 12}`. */
export interface Task {
  num: number;
  /** Position in the batch, from 0. Absent when a tutorial producer sent the task. */
  task?: number;
}

/** consumer → collector: one result, `{"consumer": "3c1f513f3bcd", "num": 7, "task": 12}`. */
export interface Result extends Task {
  consumer: string;
}

/** producer → collector, before the first task (zguide's batch start): what a complete batch adds up to. */
export interface BatchStart {
  tasks: number;
  total: number;
}

/**
 * What the collector's batch port carries from the producer: the batch start, with the producer's
 * count of connections to a collector (`epoch`, so confirmations meant for an earlier collector can
 * be told apart), and re-dispatch notices.
 */
export type BatchNews = { kind: "batch"; batch: BatchStart; epoch: number } | { kind: "redispatch"; tasks: number[] };

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export const encodeTask = (task: Task) => JSON.stringify(task);
export const encodeResult = (result: Result) => JSON.stringify(result);
/** producer → collector: `{"batch": {"tasks": 100, "total": 454}, "epoch": 1}`. */
export const encodeBatchStart = (batch: BatchStart, epoch: number) => JSON.stringify({ batch, epoch });
/** producer → collector: these task ids were sent again, `{"redispatch": [4, 7]}`. */
export const encodeRedispatch = (tasks: number[]) => JSON.stringify({ redispatch: tasks });
/** collector → producer and consumers: the batch is over, stop (zguide's KILL). */
export const encodeStop = (reason: string) => JSON.stringify({ stop: reason });
/** collector → producer: the result of this task id is in, `{"done": 12, "epoch": 1}` (the epoch of the batch start it has; none before it). */
export const encodeDone = (task: number, epoch?: number) => JSON.stringify({ done: task, epoch });

// The collector publishes stops and confirmations on one PUB socket. A SUB filters on a message's
// first bytes, so each subscriber takes only the JSON it wants; the encoders above start this way.
export const STOP_TOPIC = '{"stop":';
export const DONE_TOPIC = '{"done":';

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });
const preview = (frame: Buffer) => JSON.stringify(frame.subarray(0, 60).toString("utf8")) + (frame.length > 60 ? "..." : "");

/** One frame holding a JSON object, or why not. */
function parseObject(frames: Buffer[]): Parsed<Record<string, unknown>> {
  if (frames.length !== 1) return fail(frames.length === 0 ? "no frames" : `multipart message of ${frames.length} frames`);
  const frame = frames[0]!;
  if (frame.length === 0) return fail("empty frame");
  let value: unknown;
  try {
    value = JSON.parse(frame.toString("utf8"));
  } catch {
    return fail(`not JSON: ${preview(frame)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(`not a JSON object: ${preview(frame)}`);
  return { ok: true, value: value as Record<string, unknown> };
}

const isInt = (value: unknown): value is number => Number.isSafeInteger(value);

function readTask(body: Record<string, unknown>): Parsed<Task> {
  if (!isInt(body.num)) return fail(`"num" is not an integer: ${JSON.stringify(body.num) ?? "missing"}`);
  if (body.task === undefined) return { ok: true, value: { num: body.num } };
  if (!isInt(body.task) || body.task < 0) return fail(`"task" is not a task id: ${JSON.stringify(body.task)}`);
  return { ok: true, value: { num: body.num, task: body.task } };
}

export function parseTask(frames: Buffer[]): Parsed<Task> {
  const body = parseObject(frames);
  return body.ok ? readTask(body.value) : body;
}

/** A result, as the tutorial's collector reads one; anything else is rejected with the reason. */
export function parseResult(frames: Buffer[]): Parsed<Result> {
  const body = parseObject(frames);
  if (!body.ok) return body;
  const { consumer } = body.value;
  // The tutorial's consumers use a random integer as their id.
  if (!(typeof consumer === "string" && consumer.length > 0) && !isInt(consumer)) {
    return fail(`"consumer" is not an id: ${JSON.stringify(consumer) ?? "missing"}`);
  }
  const task = readTask(body.value);
  if (!task.ok) return task;
  return { ok: true, value: { consumer: String(consumer), ...task.value } };
}

/** A batch start or a re-dispatch notice from the producer; anything else is rejected with the reason. */
export function parseBatchNews(frames: Buffer[]): Parsed<BatchNews> {
  const body = parseObject(frames);
  if (!body.ok) return body;
  const { batch, epoch, redispatch } = body.value;
  if (redispatch !== undefined) {
    if (!Array.isArray(redispatch) || !redispatch.every((id) => isInt(id) && id >= 0)) {
      return fail(`malformed re-dispatch notice: ${JSON.stringify(redispatch).slice(0, 60)}`);
    }
    return { ok: true, value: { kind: "redispatch", tasks: redispatch as number[] } };
  }
  if (batch === undefined) return fail(`neither a batch start nor a re-dispatch notice: ${preview(frames[0]!)}`);
  const { tasks, total } = (batch ?? {}) as Record<string, unknown>;
  if (!isInt(tasks) || tasks < 1 || !isInt(total)) return fail(`malformed batch start: ${JSON.stringify(batch)}`);
  if (!isInt(epoch) || epoch < 0) return fail(`batch start without an epoch: ${JSON.stringify(epoch) ?? "missing"}`);
  return { ok: true, value: { kind: "batch", batch: { tasks, total }, epoch } };
}

/** The confirmed task id and the collector's epoch, or undefined when the frames are not a confirmation. */
export function parseDone(frames: Buffer[]): { task: number; epoch?: number } | undefined {
  const body = parseObject(frames);
  const { done, epoch } = body.ok ? body.value : {};
  if (!isInt(done) || done < 0) return undefined;
  return isInt(epoch) ? { task: done, epoch } : { task: done };
}

/** The stop reason, or undefined when the frames are not a stop message. */
export function parseStop(frames: Buffer[]): string | undefined {
  const body = parseObject(frames);
  return body.ok && typeof body.value.stop === "string" ? body.value.stop : undefined;
}
