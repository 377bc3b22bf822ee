// The lab swarm: N Docker-in-Docker nodes on one bridge network of the host's engine, node-1 the
// manager, the others workers, each with the role image loaded. The host's engine never joins a
// swarm. Everything is labelled org.zmq-lab.swarm=<name>, so `down` finds it after a crash.
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_LABEL } from "./stack.js";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url)).replace(/\/\.lab\/swarm\/$/, "/");
/** The node image, built once from swarm/node.Dockerfile and reused, like the stand-in base. */
export const NODE_IMAGE = "zmq-lab/swarm-node:local";
const SWARM_LABEL = "org.zmq-lab.swarm";

/** Runs a command, bounded in time; rejects with its stderr. `input` is piped to its stdin. */
export function sh(file: string, args: string[], { timeoutMs = 120_000, input, env }: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: repoRoot, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.slice(0, 4).join(" ")}...: ${err.message.split("\n")[0]}\n${stderr.trim()}`)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** The base image the setup chose last (scripts/setup-docker.sh writes it). */
const savedBaseImage = () => {
  try {
    return readFileSync(join(repoRoot, ".lab", "node-image"), "utf8").trim();
  } catch {
    return undefined;
  }
};

/** Builds the node image unless it exists, FROM the lab's base image (NODE_IMAGE). */
export async function ensureNodeImage(baseImage = process.env.NODE_IMAGE || savedBaseImage() || "node:24-bookworm-slim"): Promise<void> {
  if (await sh("docker", ["image", "inspect", NODE_IMAGE]).then(() => true, () => false)) return;
  console.error(`[swarm] building ${NODE_IMAGE} from ${baseImage} (once, about 30 s)`);
  await sh("docker", ["build", "-q", "-t", NODE_IMAGE, "--build-arg", `NODE_IMAGE=${baseImage}`, "-f", "swarm/node.Dockerfile", "swarm"], { timeoutMs: 600_000 });
}

export class LabSwarm {
  private constructor(
    readonly name: string,
    readonly nodes: string[],
  ) {}

  /** The container of node i (1-based), also its hostname in `docker node ls`. */
  static nodeName = (swarm: string, i: number) => `zmq-lab-swarm-${swarm}-node-${i}`;

  /** Creates `count` nodes, forms the swarm and loads `image` on every node. */
  static async create(name: string, count: number, image: string): Promise<LabSwarm> {
    const labels = ["--label", `${SWARM_LABEL}=${name}`, "--label", `org.zmq-lab.tag=${process.env.ZMQ_LAB_TAG || "latest"}`];
    const network = `zmq-lab-swarm-${name}`;
    const nodes = Array.from({ length: count }, (_, i) => LabSwarm.nodeName(name, i + 1));
    const swarm = new LabSwarm(name, nodes);
    try {
      await sh("docker", ["network", "create", ...labels, network]);
      for (const node of nodes) {
        await sh("docker", ["volume", "create", ...labels, node]);
        // What a Docker engine needs in a container here, without --privileged (refused: no CAP_SYS_RESOURCE).
        await sh("docker", [
          "run", "-d", "--name", node, "--hostname", node, ...labels,
          "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
          "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
          "--cgroupns", "private", "--tmpfs", "/run", "--tmpfs", "/var/run",
          "-v", `${node}:/var/lib/docker`, "--network", network, NODE_IMAGE,
          "sh", "-c", "mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null || mount -o remount,rw /sys/fs/cgroup; exec dockerd",
        ]);
      }
      await Promise.all(nodes.map((node) => swarm.engineUp(node)));
      const manager = nodes[0]!;
      const address = (await sh("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", manager])).trim();
      // Heartbeats every second: a lost node is marked down, and its tasks rescheduled, in seconds.
      await swarm.on(manager, ["swarm", "init", "--advertise-addr", address, "--dispatcher-heartbeat", "1s"]);
      const token = (await swarm.on(manager, ["swarm", "join-token", "-q", "worker"])).trim();
      for (const node of nodes.slice(1)) await swarm.on(node, ["swarm", "join", "--token", token, `${address}:2377`]);
      for (const node of nodes) await swarm.docker(["node", "update", "--label-add", `${NODE_LABEL}=${node}`, node]);
      await swarm.load(image);
      return swarm;
    } catch (err) {
      await LabSwarm.remove(name);
      throw err;
    }
  }

  /** Removes every node, the network and the volumes of the lab swarm `name` (nothing else). */
  static async remove(name: string): Promise<string[]> {
    const filter = ["--filter", `label=${SWARM_LABEL}=${name}`];
    const ids = (await sh("docker", ["ps", "-a", "-q", ...filter])).split("\n").filter(Boolean);
    if (ids.length > 0) await sh("docker", ["rm", "-f", "-v", ...ids]);
    const networks = (await sh("docker", ["network", "ls", "-q", ...filter])).split("\n").filter(Boolean);
    if (networks.length > 0) await sh("docker", ["network", "rm", ...networks]);
    const volumes = (await sh("docker", ["volume", "ls", "-q", ...filter])).split("\n").filter(Boolean);
    if (volumes.length > 0) await sh("docker", ["volume", "rm", "-f", ...volumes]);
    return [...ids, ...networks, ...volumes];
  }

  /** The docker CLI on the manager. */
  docker(args: string[], options?: { timeoutMs?: number; input?: string }): Promise<string> {
    return this.on(this.nodes[0]!, args, options);
  }

  /** The docker CLI on one node. */
  on(node: string, args: string[], options?: { timeoutMs?: number; input?: string }): Promise<string> {
    return sh("docker", ["exec", ...(options?.input !== undefined ? ["-i"] : []), node, "docker", ...args], options);
  }

  private async engineUp(node: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await sh("docker", ["exec", node, "docker", "info", "--format", "{{.ServerVersion}}"], { timeoutMs: 10_000 }).then(() => true, () => false);
      if (up) return;
      if (Date.now() > deadline) throw new Error(`${node}: dockerd did not answer within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** docker save once, docker load on every node at the same time. */
  private async load(image: string): Promise<void> {
    const loads = this.nodes.map((node) => spawn("docker", ["exec", "-i", node, "docker", "load", "-q"], { stdio: ["pipe", "ignore", "inherit"] }));
    const save = spawn("docker", ["save", image], { stdio: ["ignore", "pipe", "inherit"] });
    save.stdout.on("data", (chunk: Buffer) => {
      const waits = loads.filter((load) => !load.stdin.write(chunk));
      if (waits.length > 0) {
        save.stdout.pause();
        let left = waits.length;
        waits.forEach((load) => load.stdin.once("drain", () => --left === 0 && save.stdout.resume()));
      }
    });
    save.stdout.on("end", () => loads.forEach((load) => load.stdin.end()));
    const codes = await Promise.all([save, ...loads].map((child) => new Promise<number | null>((resolve) => child.on("close", resolve))));
    if (codes.some((code) => code !== 0)) throw new Error(`loading ${image} on the lab swarm failed (exit codes ${codes.join(", ")})`);
  }
}
