// `npm run bench -- telemetry`: what the runtime's telemetry costs a role's sockets. One process,
// PUSH → PULL over loopback TCP, the same sockets with counting and publishing on (to an endpoint
// where no dashboard listens, the common case) and off; the two take turns, so a burst of load
// from other jobs hits both alike. Prints the medians; no Docker needed.
import * as zmq from "zeromq";
import { Telemetry } from "../services/runtime/telemetry.js";

const ROUNDS = 5;
const PAYLOAD = Buffer.alloc(64);
const CASES = [
  { name: "naive (one send per 64 B payload)", batch: 1, payloads: 100_000 },
  { name: "batched (64 payloads of 64 B per send)", batch: 64, payloads: 1_000_000 },
] as const;

/** Payloads per second through one PUSH/PULL pair, with telemetry on or off. */
async function throughput(on: boolean, batch: number, payloads: number): Promise<number> {
  const telemetry = new Telemetry({ connect: on ? "tcp://127.0.0.1:1" : undefined, intervalMs: 500, role: "bench", replica: "bench-1", pattern: "bench" });
  const pull = new (telemetry.counted(zmq.Pull))({ linger: 0 });
  const push = new (telemetry.counted(zmq.Push))({ linger: 0 });
  await pull.bind("tcp://127.0.0.1:*");
  push.connect(pull.lastEndpoint!);
  const message = batch === 1 ? PAYLOAD : Array.from({ length: batch }, () => PAYLOAD);
  const started = performance.now();
  const received = (async () => {
    for (let got = 0; got < payloads; ) got += (await pull.receive()).length;
  })();
  for (let sent = 0; sent < payloads; sent += batch) await push.send(message);
  await received;
  const seconds = (performance.now() - started) / 1000;
  push.close();
  pull.close();
  telemetry.close(0);
  return payloads / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function telemetryCost(say: (line: string) => void): Promise<string[]> {
  const lines = ["| sends | telemetry off, payloads/s | on, payloads/s | on ÷ off |", "|---|---|---|---|"];
  for (const { name, batch, payloads } of CASES) {
    const runs = { off: [] as number[], on: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      say(`telemetry cost, ${name}, round ${round}/${ROUNDS}`);
      runs.off.push(await throughput(false, batch, payloads));
      runs.on.push(await throughput(true, batch, payloads));
    }
    const [off, on] = [median(runs.off), median(runs.on)];
    lines.push(`| ${name} | ${(off / 1000).toFixed(1)} k | ${(on / 1000).toFixed(1)} k | ${(on / off).toFixed(2)} |`);
  }
  return lines;
}
