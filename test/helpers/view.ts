// What the live view's tests share: every variable of the view, and readers for what the dashboard
// serves (/metrics in Prometheus text, /events as server-sent snapshots).

// Every variable of the view, so a developer's .env can't change what the tests assert on. Records
// every 400 ms (gone after 1.2 s of silence, not the default 1.5 s): on a loaded 2-core machine a
// record can come late, and the 2 s bound is the page's, not the scheduler's.
export const viewEnv = { DASHBOARD_HOST_PORT: "0", TELEMETRY_BIND: "tcp://*:5599", DASHBOARD_PORT: "8080", DASHBOARD_TICK_MS: "100", TELEMETRY_INTERVAL_MS: "400" };

/** The value of one sample in Prometheus text, by its exact label set. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split("\n").find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && wanted.every((pair) => l.includes(pair)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** Every sample of one metric, by the value of one of its labels. */
export function samplesBy(text: string, name: string, label: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of text.split("\n").filter((l) => l.startsWith(`${name}{`))) {
    const value = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1];
    if (value !== undefined) found[value] = Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return found;
}

/** What the dashboard's stream sends once per tick (the parts the tests read). */
export interface Snapshot {
  at: number;
  nodes: Array<{ replica: string; state: string; seq: number; figures?: Record<string, unknown> }>;
  stats: { records: number; rejected: Record<string, number>; unknownFields: number };
}

/**
 * Follows `GET /events` and hands each snapshot to `take` until `stop()`; `ended` settles when the
 * stream ends (rejects if it breaks before stop).
 */
export function followEvents(url: string, take: (snapshot: Snapshot) => void): { stop: () => void; ended: Promise<void> } {
  const controller = new AbortController();
  const ended = (async () => {
    const response = await fetch(new URL("events", url), { signal: controller.signal });
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n\n");
      rest = parts.pop() ?? "";
      for (const part of parts) if (part.startsWith("data: ")) take(JSON.parse(part.slice(6)) as Snapshot);
    }
  })().catch((err: unknown) => {
    if (!controller.signal.aborted) throw err;
  });
  return { stop: () => controller.abort(), ended };
}
