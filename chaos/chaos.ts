// Network faults for a running lab, through a sidecar: `docker run --network container:<target>
// --cap-add NET_ADMIN zmq-lab/chaos` shares the target's network namespace, so its iptables rules
// and tc queues apply to the target alone, and nothing runs on the host but the docker CLI.
// Every rule lives in two chains of our own (ZMQLAB_IN, ZMQLAB_OUT), so `heal` removes exactly
// what we added and nothing Docker put there.
import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Which packets a partition or a loss drops: to the target (`in`), from it (`out`), or both. */
export type Way = "both" | "in" | "out";
export const WAYS: readonly Way[] = ["both", "in", "out"];

export interface ChaosOptions {
  /** The sidecar image (default: zmq-lab/chaos:$ZMQ_LAB_TAG). */
  image?: string;
  /** Where each action says what it did (default: stdout). */
  say?: (line: string) => void;
}

/** One running container of the lab: its id and its replica name (`consumer-2`). */
export interface Replica {
  id: string;
  name: string;
}

export interface Capture {
  file: string;
  bytes: Buffer;
}

/** A tcpdump under way: `listening` once packets are recorded, `stop()` ends it early. */
export interface RunningCapture {
  done: Promise<Capture>;
  stop(): Promise<void>;
}

const CHAINS = { in: "ZMQLAB_IN", out: "ZMQLAB_OUT" } as const;
/** The target's interface to the lab's network: the default route's device. */
const DEV = `dev=$(ip route show default | awk '{print $5; exit}'); dev=\${dev:-eth0}`;
/** Our chains, hooked first in INPUT and OUTPUT; idempotent. */
const HOOK = [CHAINS.in, CHAINS.out]
  .map((chain, i) => {
    const builtin = i === 0 ? "INPUT" : "OUTPUT";
    return `iptables -N ${chain} 2>/dev/null; iptables -C ${builtin} -j ${chain} 2>/dev/null || iptables -I ${builtin} -j ${chain}`;
  })
  .join("; ");
/** Removes our chains and any root qdisc; idempotent, so heal works on a target never touched. */
const UNDO = [
  ...[
    ["INPUT", CHAINS.in],
    ["OUTPUT", CHAINS.out],
  ].map(([builtin, chain]) => `while iptables -D ${builtin} -j ${chain} 2>/dev/null; do :; done; iptables -F ${chain} 2>/dev/null; iptables -X ${chain} 2>/dev/null`),
  `${DEV}; tc qdisc del dev "$dev" root 2>/dev/null`,
  "true",
].join("; ");
/** What of ours is still in place: our chains' rules and a root qdisc other than the default. */
const SHOW = `iptables -S 2>/dev/null | grep ZMQLAB; ${DEV}; tc qdisc show dev "$dev" root | grep -Ev '^qdisc (noqueue|pfifo_fast|fq_codel|mq) '; true`;

/** A rate as tc takes it: a number and a unit (`1mbit`, `500kbit`, `2mbps`). */
export const RATE = /^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i;

/**
 * Faults on the replicas of one compose project. Every target touched is remembered; `heal()`
 * (also `await using`'s end of scope) undoes all of it, so a test leaves no rule behind.
 */
export class Chaos implements AsyncDisposable {
  private readonly touched = new Map<string, Replica>();
  /** Every replica a fault was applied to, healed or not: what a test checks is clean at its end. */
  readonly faulted = new Set<string>();
  private readonly paused = new Map<string, Replica>();
  private readonly image: string;
  private readonly say: (line: string) => void;

  constructor(
    readonly project: string,
    { image = `zmq-lab/chaos:${process.env.ZMQ_LAB_TAG || "latest"}`, say = (line) => console.log(line) }: ChaosOptions = {},
  ) {
    this.image = image;
    this.say = say;
  }

  /**
   * Drops every packet between the target and everything else (or only `from`'s replicas), both
   * ways or one. DROP, not REJECT: a cut cable sends no reset, so neither side learns of it.
   */
  async partition(target: string, { from, way = "both" }: { from?: string; way?: Way } = {}): Promise<void> {
    const peers = from ? await this.addresses(from) : undefined;
    const match = (dir: "in" | "out") =>
      peers ? peers.map((ip) => `${dir === "in" ? "-s" : "-d"} ${ip}`) : [dir === "in" ? "! -i lo" : "! -o lo"];
    const rules = this.directions(way).flatMap((dir) => match(dir).map((m) => `iptables -A ${CHAINS[dir]} ${m} -j DROP`));
    await this.apply(target, rules, `partition (${wayText(way)}, from ${from ? `${from}: ${peers!.join(", ")}` : "everything"})`);
  }

  /** Drops `percent` of the target's packets at random (inbound by default). */
  async loss(target: string, percent: number, { way = "in" }: { way?: Way } = {}): Promise<void> {
    if (!(percent > 0 && percent <= 100)) throw new Error(`loss: percent must be in (0, 100], got ${percent}`);
    const p = (percent / 100).toFixed(4);
    const rules = this.directions(way).map(
      (dir) => `iptables -A ${CHAINS[dir]} ${dir === "in" ? "! -i lo" : "! -o lo"} -m statistic --mode random --probability ${p} -j DROP`,
    );
    await this.apply(target, rules, `loss ${percent}% (${wayText(way)})`);
  }

  /** Limits the target's outbound rate with a token bucket filter (tc tbf), e.g. `1mbit`. */
  async limit(target: string, rate: string): Promise<void> {
    if (!RATE.test(rate)) throw new Error(`limit: rate must be a number and a unit (1mbit, 500kbit), got "${rate}"`);
    await this.apply(target, [`${DEV}; tc qdisc replace dev "$dev" root tbf rate ${rate} burst 32kbit latency 400ms`], `limit outbound to ${rate} (tbf)`);
  }

  /** `docker pause`: the processes freeze; their connections stay open, no FIN, no reset. */
  async pause(target: string): Promise<void> {
    for (const replica of await this.replicas(target)) {
      this.faulted.add(replica.name);
      // The cgroup freezer can fail on a busy process ("unable to freeze"); it takes on a retry.
      for (let attempt = 1; ; attempt++) {
        try {
          await docker(["pause", replica.id]);
          break;
        } catch (err) {
          if (attempt === 5 || !/unable to freeze/.test(String(err))) throw err;
        }
      }
      this.paused.set(replica.id, replica);
      this.say(`chaos: paused ${replica.name}`);
    }
  }

  async unpause(target: string): Promise<void> {
    for (const replica of await this.replicas(target)) await this.unpauseOne(replica);
  }

  /**
   * Records the target's packets with tcpdump for `seconds` (or until `stop()`) into a pcap under
   * `dir`. Resolves once tcpdump is listening, so traffic started after it is in the file.
   */
  async capture(target: string, seconds: number, dir: string): Promise<RunningCapture> {
    const [replica, ...more] = await this.replicas(target);
    if (!replica || more.length > 0) throw new Error(`capture: "${target}" must be one replica, found ${more.length + (replica ? 1 : 0)}`);
    const name = `${this.project}-chaos-${randomUUID().slice(0, 8)}`;
    const file = join(dir, `${this.project}-${replica.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.pcap`);
    const child = spawn("docker", [
      ...this.sidecar(replica, name, ["--cap-add", "NET_RAW"]),
      "timeout", "-s", "INT", String(seconds), "tcpdump", "-i", "any", "--immediate-mode", "-U", "-n", "-w", "-", "tcp",
    ]);
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    const listening = new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/listening on/.test(stderr)) resolve();
      });
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`capture on ${replica.name} ended before listening (exit ${code}): ${stderr.trim()}`)));
    });
    const done = new Promise<Capture>((resolve, reject) => {
      child.on("exit", async (code) => {
        // timeout's 124 is the normal end of a timed capture; tcpdump exits 0 on SIGINT.
        if (code !== 0 && code !== 124) return reject(new Error(`capture on ${replica.name}: exit ${code}: ${stderr.trim()}`));
        const bytes = Buffer.concat(chunks);
        await mkdir(dir, { recursive: true });
        await writeFile(file, bytes);
        const packets = /(\d+) packets? captured/.exec(stderr)?.[1] ?? "?";
        this.say(`chaos: captured ${packets} packets (${bytes.length} bytes) on ${replica.name} into ${file}`);
        resolve({ file, bytes });
      });
    });
    await listening;
    this.say(`chaos: capturing ${replica.name} for up to ${seconds} s (tcpdump -i any tcp)`);
    return { done, stop: () => docker(["kill", "--signal", "INT", name]).then(() => undefined, () => undefined) };
  }

  /** Undoes every fault on `target` (or on every target this Chaos touched) and unpauses it. */
  async heal(target?: string): Promise<void> {
    const replicas = target ? await this.replicas(target) : [...new Set([...this.touched.values(), ...this.paused.values()])];
    for (const replica of replicas) {
      if (!(await isRunning(replica.id))) {
        // Its rules and queues lived in its network namespace, which went with it.
        [this.touched, this.paused].forEach((map) => map.delete(replica.id));
        this.say(`chaos: ${replica.name} is no longer running: nothing left to heal`);
        continue;
      }
      await this.unpauseOne(replica);
      const before = await this.shell(replica, SHOW);
      await this.shell(replica, UNDO);
      this.touched.delete(replica.id);
      this.say(`chaos: healed ${replica.name}${before ? `: removed ${before.split("\n").join("; ")}` : ": nothing to remove"}`);
    }
  }

  /**
   * What of ours is in place on each replica of `target`: rule and qdisc lines, and "paused". A
   * replica this Chaos faulted that has since exited has none (they went with its namespace).
   */
  async rules(target: string): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const running = await this.replicas(target).catch((err: Error) => {
      if (this.faulted.has(target)) return [];
      throw err;
    });
    if (running.length === 0) found.set(target, []);
    for (const replica of running) {
      const lines = (await this.shell(replica, SHOW)).split("\n").filter(Boolean);
      if (await isPaused(replica.id)) lines.push("paused");
      found.set(replica.name, lines);
    }
    return found;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.heal();
  }

  /** The running replicas of a service (`consumer`), or the one replica named (`consumer-2`). */
  async replicas(target: string): Promise<Replica[]> {
    const of = async (service: string) => {
      const out = await docker([
        "ps", "--filter", `label=com.docker.compose.project=${this.project}`, "--filter", `label=com.docker.compose.service=${service}`,
        "--format", `{{.ID}} {{.Label "com.docker.compose.container-number"}}`,
      ]);
      return out.split("\n").filter(Boolean).map((line) => {
        const [id, n] = line.split(" ");
        return { id: id!, name: `${service}-${n}` };
      });
    };
    const whole = await of(target);
    if (whole.length > 0) return whole.sort(byReplica);
    const replica = /^(.+)-(\d+)$/.exec(target);
    const one = replica ? (await of(replica[1]!)).filter((r) => r.name === target) : [];
    if (one.length === 0) throw new Error(`no running service or replica "${target}" in compose project ${this.project}`);
    return one;
  }

  /** The IP addresses of a service's or replica's containers. */
  private async addresses(target: string): Promise<string[]> {
    const ids = (await this.replicas(target)).map((r) => r.id);
    const out = await docker(["inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", ...ids]);
    return out.split(/\s+/).filter(Boolean);
  }

  private directions(way: Way): Array<"in" | "out"> {
    return way === "both" ? ["in", "out"] : [way];
  }

  private async apply(target: string, rules: string[], what: string): Promise<void> {
    for (const replica of await this.replicas(target)) {
      this.touched.set(replica.id, replica);
      this.faulted.add(replica.name);
      await this.shell(replica, [HOOK, ...rules].join("; "));
      this.say(`chaos: ${what} on ${replica.name}: ${rules.map((r) => r.replace(`${DEV}; `, "")).join("; ")}`);
    }
  }

  private async unpauseOne(replica: Replica): Promise<void> {
    if (await isPaused(replica.id)) {
      await docker(["unpause", replica.id]);
      this.say(`chaos: unpaused ${replica.name}`);
    }
    this.paused.delete(replica.id);
  }

  private sidecar(replica: Replica, name: string, caps: string[] = []): string[] {
    return [
      "run", "--rm", "--name", name, "--network", `container:${replica.id}`, "--cap-add", "NET_ADMIN", ...caps,
      "--label", `org.zmq-lab.tag=${process.env.ZMQ_LAB_TAG || "latest"}`, this.image,
    ];
  }

  /** Runs `script` in the replica's namespace; a replica that exited meanwhile has nothing left: "". */
  private async shell(replica: Replica, script: string): Promise<string> {
    try {
      return (await docker([...this.sidecar(replica, `${this.project}-chaos-${randomUUID().slice(0, 8)}`), "sh", "-c", script])).trim();
    } catch (err) {
      if (await isRunning(replica.id)) throw err;
      return "";
    }
  }
}

const wayText = (way: Way) => (way === "both" ? "both ways" : way === "in" ? "inbound" : "outbound");
const byReplica = (a: Replica, b: Replica) => Number(a.name.split("-").pop()) - Number(b.name.split("-").pop());

async function isRunning(id: string): Promise<boolean> {
  return (await docker(["inspect", "--format", "{{.State.Running}}", id]).catch(() => "false")).trim() === "true";
}

async function isPaused(id: string): Promise<boolean> {
  return (await docker(["inspect", "--format", "{{.State.Paused}}", id]).catch(() => "false")).trim() === "true";
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("docker", args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`docker ${args.slice(0, 2).join(" ")}: ${stderr.trim() || err.message}`)) : resolve(stdout),
    );
  });
}
