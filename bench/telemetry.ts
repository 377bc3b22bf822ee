// `npm run bench -- telemetry`: what the live view costs the lab's throughput. First the real
// pipeline profile in containers, zero-cost tasks (messaging alone, the worst case for the view):
// with the dashboard running and every role's telemetry reaching it, and with telemetry off; then
// the runtime's counting alone, one process, PUSH → PULL over loopback TCP, on (no dashboard) and
// off. On and off take turns, so a burst of load from other jobs hits both alike; medians.
import * as zmq from "zeromq";
import { Telemetry } from "../services/runtime/telemetry.js";
import { perSecond } from "./figures.js";
import { pipelineRun } from "./projects.js";

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
  // Nothing listens there: no wait for a subscriber.
  await telemetry.close(0, 0);
  return payloads / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const k = (perSec: number) => `${(perSec / 1000).toFixed(1)} k`;

/** The pipeline's batch: zero-cost tasks on 2 consumers, the lab's PUSH/PULL path end to end. */
const PIPELINE = { consumers: 2, tasks: 60_000, rounds: 5 };

export async function telemetryCost(say: (line: string) => void): Promise<string[]> {
  const runs = { off: [] as number[], on: [] as number[] };
  for (let round = 1; round <= PIPELINE.rounds; round++) {
    // Which goes first alternates too: a round's second run meets a warmer engine.
    for (const view of round % 2 === 1 ? [false, true] : [true, false]) {
      say(`pipeline, ${PIPELINE.tasks} tasks on ${PIPELINE.consumers} consumers, view ${view ? "on" : "off"}, round ${round}/${PIPELINE.rounds}`);
      // From the producer's batch start to the collector's verdict: the whole batch.
      const { row } = await pipelineRun(PIPELINE.consumers, PIPELINE.tasks, "0", { view });
      const rate = perSecond({ messages: row.tasks, seconds: row.seconds });
      (view ? runs.on : runs.off).push(rate);
      say(`  ${k(rate)} tasks/s, load ${row.load.toFixed(1)}`);
    }
  }
  const [off, on] = [median(runs.off), median(runs.on)];
  const lines = [
    `| pipeline in containers, ${PIPELINE.tasks} zero-cost tasks, ${PIPELINE.consumers} consumers, producer's batch start to verdict | view off, tasks/s | view on, tasks/s | on ÷ off |`,
    "|---|---|---|---|",
    `| median of ${PIPELINE.rounds} (rounds: off ${runs.off.map(k).join(", ")}; on ${runs.on.map(k).join(", ")}) | ${k(off)} | ${k(on)} | ${(on / off).toFixed(2)} |`,
    "",
    "| sends, one process over loopback | telemetry off, payloads/s | on, payloads/s | on ÷ off |",
    "|---|---|---|---|",
  ];
  for (const { name, batch, payloads } of CASES) {
    const runs = { off: [] as number[], on: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      say(`telemetry cost, ${name}, round ${round}/${ROUNDS}`);
      runs.off.push(await throughput(false, batch, payloads));
      runs.on.push(await throughput(true, batch, payloads));
    }
    const [off, on] = [median(runs.off), median(runs.on)];
    lines.push(`| ${name} | ${k(off)} | ${k(on)} | ${(on / off).toFixed(2)} |`);
  }
  return lines;
}
