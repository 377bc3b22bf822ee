// `npm run chaos -- <action> <service|replica> [options]`: one fault on a running lab, through the
// chaos sidecar (chaos.ts). Prints what it did; bad arguments exit 2 with the usage.
import { parseArgs } from "node:util";
import { join } from "node:path";
import { Chaos, RATE, WAYS, type Way } from "./chaos.js";

const usage = `usage: npm run chaos -- <action> <service|replica> [options]
  partition <target> [--from <service|replica>] [--way both|in|out]   drop packets (default: both ways, from everything)
  loss <target> <percent> [--way in|out|both]                         drop percent of packets at random (default: inbound)
  limit <target> <rate>                                               outbound token bucket, e.g. 1mbit, 500kbit
  pause <target> | unpause <target>                                   docker pause / unpause
  capture <target> <seconds>                                          tcpdump into .lab/captures/<project>-<replica>-<time>.pcap
  heal <target>                                                       undo every fault on the target
  show <target>                                                       list the faults in place
options: -p, --project-name <name>   the compose project (default: COMPOSE_PROJECT_NAME, else zmq-lab)`;

function fail(reason: string): never {
  console.error(`chaos: ${reason}\n${usage}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { "project-name": { type: "string", short: "p" }, from: { type: "string" }, way: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
} catch (err) {
  fail((err as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const [action, target, arg, ...extra] = positionals;
if (!action) fail("no action");
if (!target) fail(`${action}: no target service or replica`);
const needsArg = action === "loss" || action === "limit" || action === "capture";
if (extra.length > 0 || (arg !== undefined && !needsArg)) fail(`${action}: unexpected argument "${extra[0] ?? arg}"`);
if (needsArg && arg === undefined) fail(`${action}: missing ${action === "loss" ? "<percent>" : action === "limit" ? "<rate>" : "<seconds>"}`);
if (values.way !== undefined && !WAYS.includes(values.way as Way)) fail(`--way must be both, in or out, got "${values.way}"`);
if ((values.way !== undefined && action !== "partition" && action !== "loss") || (values.from !== undefined && action !== "partition"))
  fail(`${action}: --way and --from belong to partition (and --way to loss)`);
const way = values.way as Way | undefined;

const project = values["project-name"] || process.env.COMPOSE_PROJECT_NAME || "zmq-lab";
const chaos = new Chaos(project);
const number = (text: string, what: string, ok: (n: number) => boolean) => {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !ok(n)) fail(`${action}: ${what}, got "${text}"`);
  return n;
};

try {
  switch (action) {
    case "partition":
      await chaos.partition(target, { from: values.from, way });
      break;
    case "loss":
      await chaos.loss(target, number(arg!, "percent must be a number in (0, 100]", (n) => n > 0 && n <= 100), { way });
      break;
    case "limit":
      if (!RATE.test(arg!)) fail(`limit: rate must be a number and a unit (1mbit, 500kbit), got "${arg}"`);
      await chaos.limit(target, arg!);
      break;
    case "pause":
      await chaos.pause(target);
      break;
    case "unpause":
      await chaos.unpause(target);
      break;
    case "capture": {
      const seconds = number(arg!, "seconds must be a whole number from 1 to 3600", (n) => Number.isInteger(n) && n >= 1 && n <= 3600);
      const running = await chaos.capture(target, seconds, join(".lab", "captures"));
      // Ctrl+C ends the capture early and still writes the file.
      process.once("SIGINT", () => void running.stop());
      await running.done;
      break;
    }
    case "heal":
      await chaos.heal(target);
      break;
    case "show":
      for (const [name, lines] of await chaos.rules(target)) console.log(`${name}: ${lines.length > 0 ? lines.join("; ") : "no faults"}`);
      break;
    default:
      fail(`unknown action "${action}"`);
  }
} catch (err) {
  console.error(`chaos: ${(err as Error).message}`);
  process.exit(1);
}
