// What the load tests record beside their assertions: each role's peak memory and the wall time,
// printed as one table row per role for docs/load.md.
import { projectMemory } from "./lab.js";

export interface Watch {
  /** Stops sampling; the peak memory of every container seen, by name. */
  stop(): Promise<Map<string, number>>;
}

/** Samples the memory of every running container of `project` every `everyMs` until stopped; start it before the lab. */
export function watchMemory(project: string, everyMs = 500): Watch {
  const peaks = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const [name, bytes] of await projectMemory(project)) peaks.set(name, Math.max(bytes, peaks.get(name) ?? 0));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peaks;
    },
  };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** One line per role: `load <profile>: <role> × <replicas>, wall <s> s, peak memory <max> (mean <m>)`. */
export function memoryRows(profile: string, peaks: Map<string, number>, wallMs: number): string[] {
  const byRole = new Map<string, number[]>();
  for (const [name, bytes] of peaks) {
    const role = name.replace(/-\d+$/, "");
    byRole.set(role, [...(byRole.get(role) ?? []), bytes]);
  }
  return [...byRole].sort(([a], [b]) => a.localeCompare(b)).map(([role, all]) => {
    const mean = all.reduce((sum, b) => sum + b, 0) / all.length;
    return `load ${profile}: ${role} × ${all.length}, wall ${(wallMs / 1000).toFixed(1)} s, peak memory ${mib(Math.max(...all))} (mean ${mib(mean)})`;
  });
}
