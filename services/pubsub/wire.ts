/**
 * The weather feed's wire format. An update is exactly the tutorial's `"<zip> <temp>"` in one
 * frame, as in `"10001 57"`: zip 5 digits, zero-padded; temp an integer in °F. Beside the updates
 * each publisher sends its count stream, `"#sent <zip> <publisher-id> <count>"`: how many updates
 * for that zip it has sent so far. It starts with "#", so no zip filter ever matches it; a
 * subscriber that wants it subscribes to it. Zips are also what PUB_ZIPS and ZIP_FILTER hold.
 */
import { makeValidator } from "envalid";
import { accept, clip, expected, ID, reject, textOf, type Parsed } from "../runtime/index.js";

export const TEMP_MIN = -80;
export const TEMP_MAX = 135;
const TEMPS = TEMP_MAX - TEMP_MIN + 1;

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

/** What a subscriber can receive: an update, or a count from the count stream. */
export type Message = { update: Update } | { sent: SentCount };

export interface ZipRange {
  min: number;
  max: number;
}

const ZIP = /^\d{5}$/;
const INTEGER = /^-?\d+$/;
const COUNT = new RegExp(`^#sent (\\d{5}) (${ID}) (\\d{1,15})$`);

export const formatZip = (zip: number) => String(zip).padStart(5, "0");

export const formatRange = ({ min, max }: ZipRange) => `${formatZip(min)}-${formatZip(max)}`;

export const formatUpdate = ({ zip, temp }: Update) => `${zip} ${temp}`;

/**
 * The subscription prefix for one zip. ZeroMQ filters by byte prefix, so the trailing space makes
 * "10001" match the zip field exactly and never a longer one such as "100012".
 */
export const topic = (zip: string) => `${zip} `;

/** The count stream's prefix, and the subscription to one zip's counts. */
const COUNT_PREFIX = "#sent ";
export const countTopic = (zip: string) => `${COUNT_PREFIX}${zip} `;
export const formatCount = ({ zip, publisher, count }: SentCount) => `${countTopic(zip)}${publisher} ${count}`;

/**
 * A publisher's side of the feed: random updates from `range` as wire text, zips spread evenly and
 * temps over the whole allowed interval (each zip's text made once, not per update), and its count
 * stream: how many updates it has sent per zip, reported for the zips updated since the last report.
 */
export class UpdateFeed {
  private readonly zips: string[];
  private readonly counts: number[];
  /** Indexes of the zips updated since the last `countMessages`, each once. */
  private changed: number[] = [];
  private readonly flagged: Uint8Array;

  constructor(
    range: ZipRange,
    private readonly random = Math.random,
  ) {
    this.zips = Array.from({ length: range.max - range.min + 1 }, (_, i) => formatZip(range.min + i));
    this.counts = this.zips.map(() => 0);
    this.flagged = new Uint8Array(this.zips.length);
  }

  /** The next update, `"<zip> <temp>"`, counted for its zip. */
  next(): string {
    const i = Math.floor(this.random() * this.zips.length);
    this.counts[i]!++;
    if (this.flagged[i] === 0) {
      this.flagged[i] = 1;
      this.changed.push(i);
    }
    return formatUpdate({ zip: this.zips[i]!, temp: TEMP_MIN + Math.floor(this.random() * TEMPS) });
  }

  /** `"#sent <zip> <publisher> <count>"` for every zip updated since the last call. */
  countMessages(publisher: string): string[] {
    const messages = this.changed.map((i) => formatCount({ zip: this.zips[i]!, publisher, count: this.counts[i]! }));
    this.changed.forEach((i) => (this.flagged[i] = 0));
    this.changed = [];
    return messages;
  }
}

/**
 * Reads the first two fields and tolerates extras (zguide's publisher adds a humidity). With
 * `zip` given, an update for any other zip is rejected too: a foreign publisher could send
 * something our filter lets through.
 */
export function parseUpdate(text: string, zip?: string): Parsed<Update> {
  const fields = text.trim().split(/\s+/);
  const [zipField = "", tempField] = fields;
  if (tempField === undefined) return reject(`expected "<zip> <temp>", got ${fields.length} field(s)`);
  if (!ZIP.test(zipField)) return reject(`zip "${clip(zipField)}" is not 5 digits`);
  if (zip !== undefined && zipField !== zip) return reject(`zip ${zipField} is not the filtered ${zip}`);
  if (!INTEGER.test(tempField)) return reject(`temp "${clip(tempField)}" is not an integer`);
  const temp = Number(tempField);
  if (temp < TEMP_MIN || temp > TEMP_MAX) return reject(`temp ${temp} is outside ${TEMP_MIN}..${TEMP_MAX}`);
  return accept({ zip: zipField, temp });
}

/** Reads a count stream message, `"#sent 10001 weather-pub-1 153"`; the publisher id follows the runtime's id rule. */
export function parseCount(text: string, zip?: string): Parsed<SentCount> {
  const match = COUNT.exec(text);
  if (!match) return reject(`malformed count "${clip(text, 60)}", expected "#sent <zip> <publisher-id> <count>"`);
  const [, zipField, publisher, count] = match as unknown as [string, string, string, string];
  if (zip !== undefined && zipField !== zip) return reject(`count for zip ${zipField}, not the filtered ${zip}`);
  return accept({ zip: zipField, publisher, count: Number(count) });
}

/** Parses a received message: exactly one frame of UTF-8, an update or a count. */
export function parseMessage(frames: readonly Buffer[], zip?: string): Parsed<Message> {
  if (frames.length !== 1) return reject(`expected 1 frame, got ${frames.length}`);
  const text = textOf(frames);
  if (text === undefined) return reject("not UTF-8 text");
  if (text.startsWith(COUNT_PREFIX)) {
    const sent = parseCount(text, zip);
    return sent.ok ? accept({ sent: sent.value }) : sent;
  }
  const update = parseUpdate(text, zip);
  return update.ok ? accept({ update: update.value }) : update;
}

/** PUB_RATE: updates a second, 1 to 100000, or `max` (Infinity): as fast as the publisher can send. */
export const MAX_RATE = 100_000;
export const pubRate = makeValidator<number>((raw) => {
  const text = raw.trim();
  if (text === "max") return Infinity;
  const rate = Number(text);
  return /^\d+$/.test(text) && rate >= 1 && rate <= MAX_RATE ? rate : expected(`an integer from 1 to ${MAX_RATE}, or max`, raw);
});

/** ZIP_FILTER: a 5-digit zip code, such as 10001. */
export const zipCode = makeValidator<string>((raw) => (ZIP.test(raw.trim()) ? raw.trim() : expected("a 5-digit zip code such as 10001", raw)));

/** PUB_ZIPS: an inclusive range of zips, `min-max`, such as 10000-10019. */
export const zipRange = makeValidator<ZipRange>((raw) => {
  const match = /^(\d{5})-(\d{5})$/.exec(raw.trim());
  const [min, max] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  return min <= max ? { min, max } : expected("a zip range such as 10000-10019 (low-high, 5 digits each)", raw);
});
