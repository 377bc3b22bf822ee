// weather-sub's report: updates and temperatures per publisher, losses from the count streams,
// the human table and the RESULT object.
import { table, tcpAddress } from "../runtime/index.js";
import type { Update } from "./wire.js";

/**
 * One publisher's updates for the followed zip, checked against its count stream. Between two
 * counts c1 < c2 it sent c2 - c1 updates: fewer arriving in between were lost (PUB dropped them
 * at its high-water mark, or the connection was down meanwhile). Before the first count, and
 * after a lost connection until the next count, an update's place in the publisher's count is
 * unknown; a count lower than the last one means a restarted publisher and starts the check again.
 */
export class SentCounter {
  private mark: number | undefined;
  private since = 0;
  /** Since the last outage, until the next count: an update's number is unknown. */
  private interrupted = false;
  /** Updates the count stream accounted for, and how many of them never arrived. */
  checked = 0;
  dropped = 0;
  /** Connections to the publisher that went down (a partition, a restart). */
  outages = 0;
  /** True once the publisher sent any count: a tutorial publisher sends none. */
  counting = false;

  /** An update arrived: its number in the publisher's count for this zip, when known. */
  update(): number | undefined {
    this.since++;
    return this.mark === undefined || this.interrupted ? undefined : this.mark + this.since;
  }

  /** A count arrived; says how many updates went missing since the last one (0: none). */
  sent(count: number): number {
    this.counting = true;
    const previous = this.mark;
    const since = this.since;
    [this.mark, this.since, this.interrupted] = [count, 0, false];
    // The first count, or one lower than before (the publisher restarted): a new baseline.
    if (previous === undefined || count < previous) return 0;
    const dropped = Math.max(0, count - previous - since);
    this.checked += count - previous;
    this.dropped += dropped;
    return dropped;
  }

  /**
   * The connection went. The mark stays: what the publisher sent while it was down counts as lost
   * at its next count, unless that count went back (a restarted publisher: a new baseline).
   */
  lost(): void {
    this.outages++;
    this.interrupted = true;
  }
}

/** Names for publishers' endpoints in logs and the report: the host, or host:port when hosts repeat. */
export function publisherNames(endpoints: string[]): string[] {
  const hosts = endpoints.map((endpoint) => tcpAddress(endpoint)?.host ?? endpoint);
  return endpoints.map((endpoint, i) => (hosts.indexOf(hosts[i]!) === hosts.lastIndexOf(hosts[i]!) ? hosts[i]! : endpoint.replace(/^tcp:\/\//, "")));
}

/** One log line's worth of an update: `10001 57 from weather-pub-1 #12`, the number when the count stream gave it. */
export const describeUpdate = ({ zip, temp }: Update, publisher: string, n?: number) =>
  `${zip} ${temp} from ${publisher}${n === undefined ? "" : ` #${n}`}`;

interface Stats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

const emptyStats = (): Stats => ({ count: 0, sum: 0, min: Infinity, max: -Infinity });

function addTo(stats: Stats, temp: number): void {
  stats.count += 1;
  stats.sum += temp;
  stats.min = Math.min(stats.min, temp);
  stats.max = Math.max(stats.max, temp);
}

/** Mean to two decimals, "-" for no updates. */
export const formatAverage = ({ count, sum }: { count: number; sum: number }) => (count === 0 ? "-" : (sum / count).toFixed(2));

/** Counts accepted updates per publisher and overall; rejected ones only add to `rejected`. */
export class WeatherReport {
  private readonly all = emptyStats();
  private readonly publishers = new Map<string, { stats: Stats; sent: SentCounter }>();
  rejected = 0;

  constructor(
    readonly zip: string,
    names: string[],
  ) {
    names.forEach((name) => this.track(name));
  }

  /** A publisher to report on, with no updates yet; one already tracked (a replica back on a new address) keeps its figures. */
  track(publisher: string): void {
    if (!this.publishers.has(publisher)) this.publishers.set(publisher, { stats: emptyStats(), sent: new SentCounter() });
  }

  get count(): number {
    return this.all.count;
  }

  private of(publisher: string) {
    const found = this.publishers.get(publisher);
    if (!found) throw new Error(`WeatherReport: unknown publisher "${publisher}"`);
    return found;
  }

  /** Counts an update; returns its number in the publisher's count for this zip, when known. */
  add(publisher: string, update: Update): number | undefined {
    const { stats, sent } = this.of(publisher);
    addTo(stats, update.temp);
    addTo(this.all, update.temp);
    return sent.update();
  }

  /** A count from `publisher`'s count stream; returns the updates it shows were dropped. */
  sent(publisher: string, count: number): number {
    return this.of(publisher).sent.sent(count);
  }

  lost(publisher: string): void {
    this.of(publisher).sent.lost();
  }

  reject(): void {
    this.rejected += 1;
  }

  /** The RESULT: what the table shows, per publisher and for all. `checked`/`dropped` are null without a count stream. */
  result() {
    const sum = (counters: SentCounter[], key: "checked" | "dropped") => counters.reduce((n, sent) => n + sent[key], 0);
    const drops = (counters: SentCounter[]) =>
      counters.length === 0 ? { checked: null, dropped: null } : { checked: sum(counters, "checked"), dropped: sum(counters, "dropped") };
    const figures = (s: Stats) =>
      s.count === 0 ? { updates: 0, mean: null, min: null, max: null } : { updates: s.count, mean: Number(formatAverage(s)), min: s.min, max: s.max };
    const entries = [...this.publishers].sort(([a], [b]) => a.localeCompare(b));
    const publishers = Object.fromEntries(entries.map(([name, { stats, sent }]) => [name, { ...figures(stats), ...drops(sent.counting ? [sent] : []) }]));
    const counting = entries.map(([, { sent }]) => sent).filter((sent) => sent.counting);
    return { zip: this.zip, ...figures(this.all), ...drops(counting), rejected: this.rejected, publishers };
  }

  /** The final report: a heading line, a table with a row per publisher and an "all" row, then the drops. */
  lines(): string[] {
    const all = this.result();
    type Row = Omit<typeof all, "zip" | "rejected" | "publishers">;
    const row = (name: string, r: Row) => [this.zip, name, r.updates, r.checked ?? "-", r.dropped ?? "-", r.mean?.toFixed(2) ?? "-", r.min ?? "-", r.max ?? "-"];
    const rows = Object.entries(all.publishers).map(([name, r]) => row(name, r));
    const active = Object.values(all.publishers).filter((r) => r.updates > 0).length;
    return [
      `report: ${all.updates} updates for zip ${this.zip} from ${active} publisher(s), ${all.rejected} rejected`,
      ...table(["zip", "publisher", "updates", "checked", "lost", "avg °F", "min", "max"], [...rows, row("all", all)]),
      all.checked === null
        ? "lost: unknown, no publisher sent a count stream"
        : `lost: ${all.dropped} of ${all.checked} updates the publishers' count streams accounted for`,
    ];
  }
}
