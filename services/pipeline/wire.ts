// The pipeline's wire formats, all single-frame JSON, and what a batch holds. The tutorial's
// fields (`num`, `consumer`) keep their meaning, so its pyzmq scripts can join; `task` ids are
// extra, and optional on input.
// The results port carries results only, as the tutorial's collector reads it; the batch start and
// re-dispatch notices travel on the collector's batch port, confirmations and the stop on its control port.
import { accept, ID_FORM, mulberry32, preview, reject, type Parsed } from "../runtime/index.js";

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

/** The largest batch: the producer's TASKS maximum, and the bound the collector holds batch starts and task ids to. */
export const MAX_TASKS = 1_000_000;
/** The largest `num` the lab's producer sends (from 0). */
export const MAX_NUM = 10;

/** `tasks` integers from 0 to MAX_NUM, the same for the same seed, and their total. */
export function makeBatch(tasks: number, seed: number): { nums: number[]; total: number } {
  const random = mulberry32(seed);
  const nums = Array.from({ length: tasks }, () => Math.floor(random() * (MAX_NUM + 1)));
  return { nums, total: nums.reduce((sum, n) => sum + n, 0) };
}

/** One frame holding a JSON object, or why not. */
function parseObject(frames: Buffer[]): Parsed<Record<string, unknown>> {
  if (frames.length !== 1) return reject(frames.length === 0 ? "no frames" : `multipart message of ${frames.length} frames`);
  const frame = frames[0]!;
  if (frame.length === 0) return reject("empty frame");
  let value: unknown;
  try {
    value = JSON.parse(frame.toString("utf8"));
  } catch {
    return reject(`not JSON: ${preview(frames)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return reject(`not a JSON object: ${preview(frames)}`);
  return accept(value as Record<string, unknown>);
}

const isInt = (value: unknown): value is number => Number.isSafeInteger(value);
/** A JSON value for a reason line: escaped by JSON itself, cut short. */
function shown(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return "missing";
  return json.length > 60 ? `${json.slice(0, 60)}...` : json;
}

function readTask(body: Record<string, unknown>): Parsed<Task> {
  if (!isInt(body.num)) return reject(`"num" is not an integer: ${shown(body.num)}`);
  if (body.task === undefined) return accept({ num: body.num });
  if (!isInt(body.task) || body.task < 0 || body.task >= MAX_TASKS) return reject(`"task" is not a task id: ${shown(body.task)}`);
  return accept({ num: body.num, task: body.task });
}

/** A task, as a consumer reads one (a tutorial producer's nums go beyond MAX_NUM, so any integer). */
export function parseTask(frames: Buffer[]): Parsed<Task> {
  const body = parseObject(frames);
  return body.ok ? readTask(body.value) : body;
}

/**
 * A result, as the collector takes one: a consumer id in the runtime's id form (the tutorial's
 * consumers use a random integer), `num` from 0 to MAX_NUM, a task id below MAX_TASKS when there is
 * one; anything else is rejected with the reason.
 */
export function parseResult(frames: Buffer[]): Parsed<Result> {
  const body = parseObject(frames);
  if (!body.ok) return body;
  const { consumer } = body.value;
  const id = isInt(consumer) && consumer >= 0 ? String(consumer) : consumer;
  if (typeof id !== "string" || !ID_FORM.test(id)) return reject(`"consumer" is not an id: ${shown(consumer)}`);
  const task = readTask(body.value);
  if (!task.ok) return task;
  if (task.value.num < 0 || task.value.num > MAX_NUM) return reject(`"num" is not from 0 to ${MAX_NUM}: ${task.value.num}`);
  return accept({ consumer: id, ...task.value });
}

/** A batch start (1 to MAX_TASKS tasks, a total they can add up to) or a re-dispatch notice from the producer; anything else is rejected with the reason. */
export function parseBatchNews(frames: Buffer[]): Parsed<BatchNews> {
  const body = parseObject(frames);
  if (!body.ok) return body;
  const { batch, epoch, redispatch } = body.value;
  if (redispatch !== undefined) {
    if (!Array.isArray(redispatch) || !redispatch.every((id) => isInt(id) && id >= 0 && id < MAX_TASKS)) {
      return reject(`malformed re-dispatch notice: ${shown(redispatch)}`);
    }
    return accept({ kind: "redispatch", tasks: redispatch as number[] });
  }
  if (batch === undefined) return reject(`neither a batch start nor a re-dispatch notice: ${preview(frames)}`);
  const { tasks, total } = (batch ?? {}) as Record<string, unknown>;
  if (!isInt(tasks) || tasks < 1 || tasks > MAX_TASKS || !isInt(total) || total < 0 || total > tasks * MAX_NUM) {
    return reject(`malformed batch start: ${shown(batch)}`);
  }
  if (!isInt(epoch) || epoch < 0) return reject(`batch start without an epoch: ${shown(epoch)}`);
  return accept({ kind: "batch", batch: { tasks, total }, epoch });
}

/** The confirmed task id and the collector's epoch, or undefined when the frames are not a confirmation. */
export function parseDone(frames: Buffer[]): { task: number; epoch?: number } | undefined {
  const body = parseObject(frames);
  const { done, epoch } = body.ok ? body.value : {};
  if (!isInt(done) || done < 0 || done >= MAX_TASKS) return undefined;
  return isInt(epoch) ? { task: done, epoch } : { task: done };
}

/** Stop reasons are short plain text, so a forged one can't print a line of its own. */
const STOP_REASON = /^[\x20-\x7e]{1,80}$/;

/** The stop reason, or undefined when the frames are not a stop message. */
export function parseStop(frames: Buffer[]): string | undefined {
  const body = parseObject(frames);
  const reason = body.ok ? body.value.stop : undefined;
  return typeof reason === "string" && STOP_REASON.test(reason) ? reason : undefined;
}
