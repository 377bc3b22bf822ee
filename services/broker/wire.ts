// The broker's wire formats. Clients speak plain REQ to the frontend (5570), so any req-client
// works unchanged. Workers speak a small text protocol to the backend (5571), every frame UTF-8:
//   worker → broker: READY <worker-id> | HEARTBEAT | REPLY <request-id> <body>
//   broker → worker: HEARTBEAT | REQUEST <request-id> <body>
// The ROUTER adds (and strips) the worker's routing id in front; the helpers here never see it.
import { accept, ID_FORM, reject, type Parsed } from "../runtime/index.js";

export type FromWorker =
  | { kind: "READY"; worker: string }
  | { kind: "HEARTBEAT" }
  | { kind: "REPLY"; request: number; body: Buffer };

export type FromBroker = { kind: "HEARTBEAT" } | { kind: "REQUEST"; request: number; body: Buffer };

export const ready = (worker: string) => ["READY", worker];
export const heartbeat = () => ["HEARTBEAT"];
export const reply = (request: number, body: Buffer | string) => ["REPLY", String(request), body];
export const request = (request: number, body: Buffer) => ["REQUEST", String(request), body];

/** What a worker answers: it names the replica that did the work. */
export const replyText = (worker: string) => `Hi from worker ${worker}`;
/** What the broker answers a client when it cannot take the request: REQ needs some reply. */
export const QUEUE_FULL = "ERROR broker queue full";
/** ...and when a request has more than one body frame: the lab's requests are one text frame. */
export const MALFORMED = "ERROR malformed request";

const requestId = (frame: Buffer | undefined) => {
  const text = frame?.toString("utf8") ?? "";
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
};

export function parseFromWorker(frames: readonly Buffer[]): Parsed<FromWorker> {
  const [command, first, body, ...rest] = frames;
  const name = command?.toString("utf8");
  if (name === "HEARTBEAT" && frames.length === 1) return accept({ kind: "HEARTBEAT" });
  if (name === "READY" && frames.length === 2 && first && ID_FORM.test(first.toString("utf8"))) return accept({ kind: "READY", worker: first.toString("utf8") });
  const id = requestId(first);
  if (name === "REPLY" && id !== undefined && body && rest.length === 0) return accept({ kind: "REPLY", request: id, body });
  return reject(`not READY <id>, HEARTBEAT or REPLY <n> <body> (${frames.length} frames)`);
}

export function parseFromBroker(frames: readonly Buffer[]): Parsed<FromBroker> {
  const [command, first, body, ...rest] = frames;
  const name = command?.toString("utf8");
  if (name === "HEARTBEAT" && frames.length === 1) return accept({ kind: "HEARTBEAT" });
  const id = requestId(first);
  if (name === "REQUEST" && id !== undefined && body && rest.length === 0) return accept({ kind: "REQUEST", request: id, body });
  return reject(`not HEARTBEAT or REQUEST <n> <body> (${frames.length} frames)`);
}
