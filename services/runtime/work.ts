// Synthetic work for the labs: a seeded generator (repeatable batches) and a CPU burner (a
// "heavy task" of fixed cost).

/** mulberry32: a small 32-bit seeded generator, uniform in [0, 1). Good for demos, not for secrets. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let sink = 0;
/** Work done between two looks at the event loop: about 2 ms. */
const SLICE = 1000;

/**
 * Burns `cost` thousand xorshift rounds: a fixed amount of computation, not a fixed time, so two
 * consumers on two free cores finish a batch in about half the time of one. Yields between slices,
 * so a stop or a signal is handled within milliseconds even when a task is long.
 */
export async function burnCpu(cost: number, signal?: AbortSignal): Promise<void> {
  let x = 0x9e3779b9 | sink;
  for (let left = cost; left > 0 && !signal?.aborted; left -= SLICE) {
    for (let i = Math.min(left, SLICE) * 1000; i > 0; i--) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
    }
    if (left > SLICE) await new Promise((resolve) => setImmediate(resolve));
  }
  // Keeping the result stops the engine from dropping the loop as dead code.
  sink = x & 1;
}
