/**
 * The weather feed's wire format, shared by publisher, subscriber and tests. An update is exactly
 * the tutorial's `"<zip> <temp>"` in one frame, as in `"10001 57"`: zip 5 digits, zero-padded;
 * temp an integer in °F. Beside the updates each publisher sends its count stream,
 * `"#sent <zip> <publisher-id> <count>"`: how many updates for that zip it has sent so far. It
 * starts with "#", so no zip filter ever matches it; a subscriber that wants it subscribes to it.
 */
import { makeValidator } from "envalid";
import { expected, table, tcpAddress } from "../runtime/index.js";

export const TEMP_MIN = -80;
export const TEMP_MAX = 135;

export interface Update {
  zip: string;
  temp: number;
}

/** A count stream message: `publisher` had sent `count` updates for `zip` when it sent this. */
export interface SentCount {
  zip: string;
  publisher: string;
  count: number;
}

export interface ZipRange {
  min: number;
  max: number;
}

const ZIP = /^\d{5}$/;
const INTEGER = /^-?\d+$/;

export const formatZip = (zip: number) => String(zip).padStart(5, "0");

export const formatUpdate = ({ zip, temp }: Update) => `${zip} ${temp}`;

/**
 * The subscription prefix for one zip. ZeroMQ filters by byte prefix, so the trailing space makes
 * "10001" match the zip field exactly and never a longer one such as "100012".
 */
export const topic = (zip: string) => `${zip} `;

/** The count stream's prefix, and the subscription to one zip's counts. */
export const COUNT_PREFIX = "#sent ";
export const countTopic = (zip: string) => `${COUNT_PREFIX}${zip} `;
export const formatCount = ({ zip, publisher, count }: SentCount) => `${countTopic(zip)}${publisher} ${count}`;

/** A random update from `range`, temps spread over the whole allowed interval. */
export function randomUpdate(range: ZipRange, random = Math.random): Update {
  const pick = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  return { zip: formatZip(pick(range.min, range.max)), temp: pick(TEMP_MIN, TEMP_MAX) };
}

export type Parsed = { ok: true; update: Update } | { ok: true; sent: SentCount } | { ok: false; reason: string };

const reject = (reason: string): Parsed => ({ ok: false, reason });

/**
 * Reads the first two fields and tolerates extras (zguide's publisher adds a humidity). With
 * `zip` given, an update for any other zip is rejected too: a foreign publisher could send
 * something our filter lets through.
 */
export function parseUpdate(text: string, zip?: string): Parsed {
  const fields = text.trim().split(/\s+/);
  const [zipField = "", tempField] = fields;
  if (tempField === undefined) return reject(`expected "<zip> <temp>", got ${fields.length} field(s)`);
  if (!ZIP.test(zipField)) return reject(`zip "${zipField}" is not 5 digits`);
  if (zip !== undefined && zipField !== zip) return reject(`zip ${zipField} is not the filtered ${zip}`);
  if (!INTEGER.test(tempField)) return reject(`temp "${tempField}" is not an integer`);
  const temp = Number(tempField);
  if (temp < TEMP_MIN || temp > TEMP_MAX) return reject(`temp ${temp} is outside ${TEMP_MIN}..${TEMP_MAX}`);
  return { ok: true, update: { zip: zipField, temp } };
}

/** Reads a count stream message, `"#sent 10001 weather-pub-1 153"`. */
export function parseCount(text: string, zip?: string): Parsed {
  const match = /^#sent (\d{5}) (\S{1,64}) (\d{1,15})$/.exec(text);
  if (!match) return reject(`malformed count "${text.slice(0, 60)}", expected "#sent <zip> <publisher-id> <count>"`);
  const [, zipField, publisher, count] = match as unknown as [string, string, string, string];
  if (zip !== undefined && zipField !== zip) return reject(`count for zip ${zipField}, not the filtered ${zip}`);
  return { ok: true, sent: { zip: zipField, publisher, count: Number(count) } };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses a received message: exactly one frame of UTF-8, an update or a count. */
export function parseMessage(frames: Buffer[], zip?: string): Parsed {
  const [frame] = frames;
  if (frames.length !== 1 || frame === undefined) return reject(`expected 1 frame, got ${frames.length}`);
  let text: string;
  try {
    text = utf8.decode(frame);
  } catch {
    return reject("not UTF-8 text");
  }
  return text.startsWith(COUNT_PREFIX) ? parseCount(text, zip) : parseUpdate(text, zip);
}

/**
 * One publisher's updates for the followed zip, checked against its count stream. Between two
 * counts c1 < c2 it sent c2 - c1 updates: fewer arriving in between were lost (PUB dropped them
 * at its high-water mark, or the connection was down meanwhile). Before the first count an
 * update's place in the publisher's count is unknown; a count lower than the last one means a
 * restarted publisher and starts the check again.
 */
export class SentCounter {
  private mark: number | undefined;
  private since = 0;
  /** Updates the count stream accounted for, and how many of them never arrived. */
  checked = 0;
  dropped = 0;
  /** Connections to the publisher that went down (a partition, a restart). */
  outages = 0;
  /** Since the last outage, until the next count: an update's number is unknown. */
  private interrupted = false;
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
    for (const name of names) this.publishers.set(name, { stats: emptyStats(), sent: new SentCounter() });
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

  /** Updates per publisher, sorted by name. */
  sources(): Array<[string, number]> {
    return [...this.publishers].map(([name, { stats }]): [string, number] => [name, stats.count]).sort(([a], [b]) => a.localeCompare(b));
  }

  /** The final report: a heading line, a table with a row per publisher and an "all" row, then the drops. */
  lines(): string[] {
    const counters = [...this.publishers.values()].map(({ sent }) => sent).filter((sent) => sent.counting);
    const total = (key: "checked" | "dropped") => counters.reduce((n, sent) => n + sent[key], 0);
    const drops = (sent?: SentCounter) => (sent?.counting ? [sent.checked, sent.dropped] : ["-", "-"]);
    const row = (name: string, s: Stats, checks: Array<string | number>) =>
      s.count === 0 ? [this.zip, name, 0, ...checks, "-", "-", "-"] : [this.zip, name, s.count, ...checks, formatAverage(s), s.min, s.max];
    const rows = [...this.publishers].sort(([a], [b]) => a.localeCompare(b)).map(([name, { stats, sent }]) => row(name, stats, drops(sent)));
    const allChecks = counters.length > 0 ? [total("checked"), total("dropped")] : ["-", "-"];
    return [
      `report: ${this.count} updates for zip ${this.zip} from ${[...this.publishers.values()].filter(({ stats }) => stats.count > 0).length} publisher(s), ${this.rejected} rejected`,
      ...table(["zip", "publisher", "updates", "checked", "lost", "avg °F", "min", "max"], [...rows, row("all", this.all, allChecks)]),
      counters.length === 0
        ? "lost: unknown, no publisher sent a count stream"
        : `lost: ${total("dropped")} of ${total("checked")} updates the publishers' count streams accounted for`,
    ];
  }
}

/** A 5-digit zip code, such as 10001. */
export const zipCode = makeValidator<string>((raw) => (ZIP.test(raw.trim()) ? raw.trim() : expected("a 5-digit zip code such as 10001", raw)));

/** An inclusive range of zips, `min-max`, such as 10000-10019. */
export const zipRange = makeValidator<ZipRange>((raw) => {
  const match = /^(\d{5})-(\d{5})$/.exec(raw.trim());
  const [min, max] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  return min <= max ? { min, max } : expected("a zip range such as 10000-10019 (low-high, 5 digits each)", raw);
});

/** A publisher id in the count stream: one word, since fields are space-separated. */
export const publisherId = makeValidator<string>((raw) =>
  /^\S{1,64}$/.test(raw) ? raw : expected("an id of 1 to 64 characters without spaces", raw),
);

export const formatRange = ({ min, max }: ZipRange) => `${formatZip(min)}-${formatZip(max)}`;
