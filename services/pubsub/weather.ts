/**
 * The weather feed's wire format, shared by publisher, subscriber and tests:
 * `"<zip> <temp>"`, then optional extra fields; ours add the publisher id and a sequence number,
 * as in `"10001 57 weather-pub-1 153"`. Zip is 5 digits, zero-padded; temp an integer in °F.
 */
import { makeValidator } from "envalid";
import { expected, table } from "../runtime/index.js";

export const TEMP_MIN = -80;
export const TEMP_MAX = 135;

export interface Update {
  zip: string;
  temp: number;
  /** The publisher's id, when the update names one. */
  source?: string;
  /** The publisher's count of updates sent so far, all zips together. */
  seq?: number;
}

export interface ZipRange {
  min: number;
  max: number;
}

const ZIP = /^\d{5}$/;
const INTEGER = /^-?\d+$/;

export const formatZip = (zip: number) => String(zip).padStart(5, "0");

export const formatUpdate = ({ zip, temp, source, seq }: Update) =>
  [zip, temp, source, seq].filter((field) => field !== undefined).join(" ");

/**
 * The subscription prefix for one zip. ZeroMQ filters by byte prefix, so the trailing space makes
 * "10001" match the zip field exactly and never a longer one such as "100012".
 */
export const topic = (zip: string) => `${zip} `;

/** A random update from `range`, temps spread over the whole allowed interval. */
export function randomUpdate(range: ZipRange, source: string, seq: number, random = Math.random): Update {
  const pick = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  return { zip: formatZip(pick(range.min, range.max)), temp: pick(TEMP_MIN, TEMP_MAX), source, seq };
}

export type Parsed = { ok: true; update: Update } | { ok: false; reason: string };

const reject = (reason: string): Parsed => ({ ok: false, reason });

/**
 * Reads the first two fields and tolerates extras. With `zip` given, an update for any other zip
 * is rejected too: a foreign publisher could send something our filter lets through.
 */
export function parseUpdate(text: string, zip?: string): Parsed {
  const fields = text.trim().split(/\s+/);
  const [zipField = "", tempField, source, seqField] = fields;
  if (tempField === undefined) return reject(`expected "<zip> <temp>", got ${fields.length} field(s)`);
  if (!ZIP.test(zipField)) return reject(`zip "${zipField}" is not 5 digits`);
  if (zip !== undefined && zipField !== zip) return reject(`zip ${zipField} is not the filtered ${zip}`);
  if (!INTEGER.test(tempField)) return reject(`temp "${tempField}" is not an integer`);
  const temp = Number(tempField);
  if (temp < TEMP_MIN || temp > TEMP_MAX) return reject(`temp ${temp} is outside ${TEMP_MIN}..${TEMP_MAX}`);
  const seq = seqField !== undefined && /^\d+$/.test(seqField) ? Number(seqField) : undefined;
  return { ok: true, update: { zip: zipField, temp, source, seq } };
}

/** Parses a received message: exactly one frame of text. */
export function parseMessage(frames: Buffer[], zip?: string): Parsed {
  const [frame] = frames;
  if (frames.length !== 1 || frame === undefined) return reject(`expected 1 frame, got ${frames.length}`);
  return parseUpdate(frame.toString("utf8"), zip);
}

/** One log line's worth of an update. */
export const describeUpdate = ({ zip, temp, source, seq }: Update) =>
  `${zip} ${temp} from ${source ?? NO_SOURCE}${seq === undefined ? "" : ` #${seq}`}`;

/** How updates without a publisher id (a plain "<zip> <temp>" peer) are listed. */
export const NO_SOURCE = "(no id)";

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
  private readonly bySource = new Map<string, Stats>();
  rejected = 0;

  constructor(readonly zip: string) {}

  get count(): number {
    return this.all.count;
  }

  add(update: Update): void {
    const source = update.source ?? NO_SOURCE;
    let stats = this.bySource.get(source);
    if (!stats) this.bySource.set(source, (stats = emptyStats()));
    addTo(stats, update.temp);
    addTo(this.all, update.temp);
  }

  reject(): void {
    this.rejected += 1;
  }

  /** Updates per publisher id, sorted by id. */
  sources(): Array<[string, number]> {
    return [...this.bySource].map(([source, stats]): [string, number] => [source, stats.count]).sort(([a], [b]) => a.localeCompare(b));
  }

  /** The final report: a heading line, then a table with a row per publisher and an "all" row. */
  lines(): string[] {
    const row = (source: string, s: Stats) =>
      s.count === 0 ? [this.zip, source, 0, "-", "-", "-"] : [this.zip, source, s.count, formatAverage(s), s.min, s.max];
    const rows = [...this.bySource].sort(([a], [b]) => a.localeCompare(b)).map(([source, stats]) => row(source, stats));
    return [
      `report: ${this.count} updates for zip ${this.zip} from ${this.bySource.size} publisher(s), ${this.rejected} rejected`,
      ...table(["zip", "publisher", "updates", "avg °F", "min", "max"], [...rows, row("all", this.all)]),
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

/** A publisher id: one word, since fields are space-separated. */
export const publisherId = makeValidator<string>((raw) =>
  /^\S{1,64}$/.test(raw) ? raw : expected("an id of 1 to 64 characters without spaces", raw),
);

export const formatRange = ({ min, max }: ZipRange) => `${formatZip(min)}-${formatZip(max)}`;
