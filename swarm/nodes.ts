// The lab swarm: N Docker-in-Docker nodes on one bridge network of the host's engine, node-1 the
// manager, the others workers, each with the role image loaded. The host's engine never joins a
// swarm. Everything is labelled org.zmq-lab.swarm=<name>, so `down` finds it after a crash.
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
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

  /**
   * Creates `count` nodes, forms the swarm and loads `image` on every node. Everything that can
   * overlap does: the image is saved to a file while the nodes boot, each node loads it as soon as
   * its engine answers, and the swarm forms meanwhile. `say` gets each step's time.
   */
  static async create(name: string, count: number, image: string, say: (line: string) => void = () => {}): Promise<LabSwarm> {
    const labels = ["--label", `${SWARM_LABEL}=${name}`, "--label", `org.zmq-lab.tag=${process.env.ZMQ_LAB_TAG || "latest"}`];
    const network = `zmq-lab-swarm-${name}`;
    const nodes = Array.from({ length: count }, (_, i) => LabSwarm.nodeName(name, i + 1));
    const swarm = new LabSwarm(name, nodes);
    const started = Date.now();
    const step = async <T>(what: string, work: Promise<T>): Promise<T> => {
      const value = await work;
      say(`${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return value;
    };
    const dir = await mkdtemp(join(tmpdir(), "zmq-lab-swarm-"));
    try {
      await sh("docker", ["network", "create", ...labels, network]);
      const saved = step(`${image} saved`, sh("docker", ["save", "-o", join(dir, "image.tar"), image], { timeoutMs: 300_000 }));
      // Its failure is thrown by the loads below; until then it must not count as unhandled.
      saved.catch(() => {});
      await step(`${count} node(s) started`, Promise.all(nodes.map((node) => swarm.start(node, network, labels))));
      const engines = nodes.map((node) => swarm.engineUp(node));
      const loaded = step(
        `${image} loaded on every node`,
        Promise.all(nodes.map((node, i) => Promise.all([engines[i], saved]).then(() => swarm.load(node, join(dir, "image.tar"))))),
      );
      await Promise.all([step("swarm formed", swarm.form(engines)), loaded]);
      return swarm;
    } catch (err) {
      await LabSwarm.remove(name);
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
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

  /**
   * One node: what a Docker engine needs in a container here, without --privileged (refused: no
   * CAP_SYS_RESOURCE). Its /var/lib/docker is a tmpfs: loading the role image there took half the
   * time it took on a volume, and nothing of a node outlives it.
   */
  private start(node: string, network: string, labels: string[]): Promise<string> {
    return sh("docker", [
      "run", "-d", "--name", node, "--hostname", node, ...labels,
      "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
      "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
      "--cgroupns", "private", "--tmpfs", "/run", "--tmpfs", "/var/run", "--tmpfs", "/var/lib/docker:exec,dev,suid",
      // No registry: a task starts from the loaded image without trying to pull it first.
      "--env", "DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1",
      "--network", network, NODE_IMAGE,
      "sh", "-c", "mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null || mount -o remount,rw /sys/fs/cgroup; exec dockerd",
    ]);
  }

  /** node-1 inits the swarm, every other node joins as a worker as soon as its engine answers. */
  private async form(engines: Promise<void>[]): Promise<void> {
    const [manager, ...workers] = this.nodes as [string, ...string[]];
    await engines[0];
    const address = (await sh("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", manager])).trim();
    // A heartbeat every 2 s (Docker's default: 5 s): a node that stops answering is marked down
    // after 3 missed beats and its tasks rescheduled. At 1 s a busy 2-core host missed beats, and
    // a live node went down for a moment, its consumers moved.
    await this.on(manager, ["swarm", "init", "--advertise-addr", address, "--dispatcher-heartbeat", "2s"]);
    const token = (await this.on(manager, ["swarm", "join-token", "-q", "worker"])).trim();
    await Promise.all(workers.map((node, i) => engines[i + 1]!.then(() => this.on(node, ["swarm", "join", "--token", token, `${address}:2377`]))));
    await Promise.all(this.nodes.map((node) => this.docker(["node", "update", "--label-add", `${NODE_LABEL}=${node}`, node])));
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

  /** `docker load` on one node, from the file `docker save` wrote once. */
  private async load(node: string, file: string): Promise<void> {
    const load = spawn("docker", ["exec", "-i", node, "docker", "load", "-q"], { stdio: ["pipe", "ignore", "inherit"] });
    const [[code]] = await Promise.all([once(load, "close") as Promise<[number | null]>, pipeline(createReadStream(file), load.stdin)]);
    if (code !== 0) throw new Error(`${node}: loading the role image failed (docker load exit code ${code})`);
  }
}
