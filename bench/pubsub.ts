// The pubsub target of issue #17: the real weather-pub at full speed (PUB_RATE=max) → the real
// weather-sub filtered on one zip, beside the tutorial's feed in plain pyzmq (services/anchors/weather.py),
// each on two containers of a compose network. They take turns, three rounds each; the table gives
// each round, the medians and the losses the lab's count stream found (the tutorial's feed has none,
// so pyzmq's line shows what its publisher offered instead).
import { loadavg } from "node:os";
import { anchorProject, median } from "./anchors.js";
import { perSecond, ratio } from "./figures.js";
import { markdownTable, percent, si, times } from "./markdown.js";
import { benchProject, finished } from "./projects.js";

export interface FeedRound {
  impl: "lab" | "pyzmq";
  /** Updates the subscriber timed, from its first to its last. */
  updates: number;
  seconds: number;
  /** The publisher's updates (all zips) and the seconds it published them in. */
  published: number;
  publishedSeconds: number;
  /** Updates for the zip the lab's count stream accounted for, and how many of them never arrived; null for pyzmq. */
  checked: number | null;
  dropped: number | null;
  /** The 1-minute load average when the round started. */
  load: number;
}

/** The delivered rate must be at least this many times pyzmq's. */
export const PUBSUB_TARGET = 2;
/** 20 zips, as weather-pub's default: the filter takes 1 update in 20. */
const ZIPS = 20;
const FILTER = "10001";
const UPDATES = 50_000;
const ROUNDS = 3;

async function labRound(): Promise<Omit<FeedRound, "load">> {
  const env = { PUB_RATE: "max", PUB_ZIPS: `10000-${10000 + ZIPS - 1}`, ZIP_FILTER: FILTER, UPDATES: String(UPDATES), SUB_CONNECT: "tcp://weather-pub-1:5556", SUB_TIMEOUT_MS: "30000" };
  await using project = await benchProject("pubsub-feed", "pubsub", env);
  // One publisher: without --no-deps, weather-sub's depends_on would start weather-pub-2 as well.
  await project.compose(["up", "--detach", "--no-build", "--no-deps", "weather-pub-1", "weather-sub"]);
  await finished(project, "weather-sub", 120_000);
  await project.compose(["stop", "--timeout", "2", "weather-pub-1"]);
  const sub = await project.result<{ updates: number; seconds: number; checked: number | null; dropped: number | null }>("weather-sub-1");
  const pub = await project.timedLogs("weather-pub-1-1");
  const [ready, end] = [/ ready: /, / published \d+ updates in all$/].map((pattern) => pub.find(({ line }) => pattern.test(line)));
  if (!ready || !end || !(sub.seconds > 0)) throw new Error("lab pubsub: no ready or final line from weather-pub-1, or no seconds in weather-sub's RESULT");
  const published = Number(/ published (\d+) updates in all$/.exec(end.line)![1]);
  const publishedSeconds = (end.at.getTime() - ready.at.getTime()) / 1000;
  return { impl: "lab", updates: sub.updates - 1, seconds: sub.seconds, published, publishedSeconds, checked: sub.checked, dropped: sub.dropped };
}

async function pyzmqRound(): Promise<Omit<FeedRound, "load">> {
  const env = {
    ANCHOR_SERVER: `python3 weather.py pub tcp://*:5556 ${ZIPS}`,
    ANCHOR_CLIENT: `python3 weather.py sub tcp://anchor-server:5556 ${FILTER} ${UPDATES}`,
  };
  await using project = await anchorProject("anchor-pyzmq-pubsub", env);
  // The publisher first: a subscriber started before its name is in Docker's DNS fails its connect.
  await project.up(["anchor-server"]);
  await project.up(["anchor-client"]);
  await finished(project, "anchor-client", 120_000);
  await project.compose(["stop", "--timeout", "2", "anchor-server"]);
  const sub = await project.result<{ updates: number; seconds: number }>("anchor-client-1");
  const pub = await project.result<{ sent: number; seconds: number }>("anchor-server-1");
  return { impl: "pyzmq", updates: sub.updates, seconds: sub.seconds, published: pub.sent, publishedSeconds: pub.seconds, checked: null, dropped: null };
}

/** Lab and pyzmq take turns, so a burst of load from other jobs hits both alike. A failed round is said and left out. */
export async function pubsubRounds(say: (message: string) => void): Promise<FeedRound[]> {
  const rounds: FeedRound[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [impl, measure] of [["lab", labRound], ["pyzmq", pyzmqRound]] as const) {
      say(`PUB/SUB at full speed, ${UPDATES} updates for one zip of ${ZIPS}: ${impl} (${round}/${ROUNDS})`);
      const load = loadavg()[0]!;
      try {
        rounds.push({ ...(await measure()), load });
      } catch (err) {
        say(`${impl} pubsub round failed: ${(err as Error).message}`);
      }
    }
  }
  return rounds;
}

const delivered = (round: FeedRound) => perSecond({ messages: round.updates, seconds: round.seconds });

export function pubsubMarkdown(rounds: FeedRound[]): string[] {
  const of = (impl: FeedRound["impl"]) => rounds.filter((r) => r.impl === impl);
  const rate = (impl: FeedRound["impl"]) => median(of(impl).map(delivered));
  const sum = (impl: FeedRound["impl"], key: "checked" | "dropped") => of(impl).reduce((n, r) => n + (r[key] ?? 0), 0);
  const lost = (impl: FeedRound["impl"]) => (impl === "pyzmq" ? "not counted (no count stream)" : `${sum(impl, "dropped")} of ${sum(impl, "checked")} (${percent(ratio(sum(impl, "dropped"), sum(impl, "checked")))})`);
  const rows = (["lab", "pyzmq"] as const).map((impl) => [
    impl === "lab" ? "lab weather-pub (PUB_RATE=max) → weather-sub" : "tutorial's feed in pyzmq, no sleep",
    of(impl).map((r) => `${si(delivered(r))} in ${r.seconds.toFixed(2)} s`).join(", "),
    si(rate(impl)),
    times(ratio(rate(impl), rate("pyzmq"))),
    si(median(of(impl).map((r) => perSecond({ messages: r.published, seconds: r.publishedSeconds })))),
    lost(impl),
  ]);
  const loads = rounds.map((r) => r.load.toFixed(1)).join(", ");
  const met = ratio(rate("lab"), rate("pyzmq")) >= PUBSUB_TARGET;
  return [
    `**PUB/SUB at full speed**, one publisher → one subscriber filtered on ${FILTER} (1 zip in ${ZIPS}), across containers, ${UPDATES} updates timed at the subscriber, median of ${ROUNDS} (load average at each round's start: ${loads})`,
    "",
    ...markdownTable(["feed", "delivered updates/s (each round)", "median", "÷ pyzmq", "publisher msg/s (all zips)", "lost (count stream)"], rows),
    "",
    `Target: lab ≥ ${PUBSUB_TARGET}× pyzmq's delivered rate: ${times(ratio(rate("lab"), rate("pyzmq")))}, ${met ? "met" : "not met"}.`,
  ];
}
