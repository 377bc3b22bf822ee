// How the orchestrator starts things: compose projects of the lab's roles, and the same image on
// the host's network for the loopback runs. Every call is bounded in time.
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

export function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: repoRoot, env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** One compose project of the lab, named zmq-lab-bench-<name>, with its own environment. */
export class Project {
  readonly name: string;
  constructor(
    name: string,
    private readonly profile: string,
    private readonly env: Record<string, string>,
    /** Compose files other than compose.yaml (the anchors' compose/anchors.yaml). */
    private readonly files: string[] = [],
  ) {
    this.name = `zmq-lab-bench-${name}`;
  }

  compose(args: string[], timeoutMs = 120_000): Promise<string> {
    // Set last, so a user's .env can't change what is measured.
    const env = { ...process.env, ZMQ_CURVE: "off", ...this.env };
    // A comma-separated profile enables each: "broker,bench" runs the bench's pinger against the broker.
    const profiles = this.profile.split(",").filter(Boolean).flatMap((profile) => ["--profile", profile]);
    const files = this.files.flatMap((file) => ["-f", file]);
    return run("docker", ["compose", ...files, "-p", this.name, ...profiles, ...args], env, timeoutMs);
  }

  up(services: string[], scale: Record<string, number> = {}): Promise<string> {
    const flags = Object.entries(scale).flatMap(([service, n]) => ["--scale", `${service}=${n}`]);
    return this.compose(["up", "-d", "--no-build", "--quiet-pull", ...flags, ...services]);
  }

  /** Waits until every container of `service` has exited; says so when one exits non-zero. */
  async wait(service: string, timeoutMs: number): Promise<void> {
    const ids = (await this.compose(["ps", "-a", "-q", service])).split("\n").filter(Boolean);
    const codes = (await run("docker", ["wait", ...ids], process.env, timeoutMs)).split("\n").filter(Boolean);
    if (codes.some((code) => code !== "0")) {
      const tail = (await this.logs(service)).slice(-5).map(([, text]) => `  ${text}`);
      console.error(`${this.name}: ${service} exited ${codes.join(", ")}; its last lines:\n${tail.join("\n")}`);
    }
  }

  /** Log lines with the daemon's timestamps, as [time in ms, text]. */
  async logs(service: string): Promise<Array<[number, string]>> {
    const raw = await this.compose(["logs", "--no-color", "--no-log-prefix", "--timestamps", service]);
    return raw
      .split("\n")
      .filter((line) => line.length > 0)
      // compose may clear the terminal line first, even without a terminal.
      .map((line) => line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ""))
      .map((line) => {
        const space = line.indexOf(" ");
        return [Date.parse(line.slice(0, space)), line.slice(space + 1)] as [number, string];
      });
  }

  /** Polls the logs until a line matches; its timestamp, or NaN after `timeoutMs`. */
  async firstLine(service: string, pattern: RegExp, timeoutMs: number): Promise<[number, string]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = (await this.logs(service)).find(([, text]) => pattern.test(text));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return [NaN, ""];
  }

  async down(): Promise<void> {
    await this.compose(["down", "-t", "1", "--remove-orphans"]).catch((err: Error) => console.error(err.message));
  }
}

/**
 * Runs a role from the same image on the host's network (`--network host`), so a loopback run
 * differs from a container run only in the network path: same image, same Node, same code.
 */
export class HostRole {
  readonly name: string;
  private constructor(name: string) {
    this.name = name;
  }

  static async start(role: string, env: Record<string, string>): Promise<HostRole> {
    const name = `zmq-lab-bench-host-${role.replace(/\W+/g, "-")}-${process.pid}`;
    const flags = Object.entries({ ZMQ_CURVE: "off", ...env }).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
    await run("docker", ["run", "-d", "--init", "--network", "host", "--name", name, ...flags, roleImage(), "node", `dist/${role}`]);
    return new HostRole(name);
  }

  /** Waits for the exit (bounded), then returns the log lines; the container is removed. */
  async finish(timeoutMs: number): Promise<string[]> {
    try {
      const code = (await run("docker", ["wait", this.name], process.env, timeoutMs)).trim();
      const lines = (await run("docker", ["logs", this.name])).split("\n").filter(Boolean);
      if (code !== "0") console.error(`${this.name} exited ${code}; its last lines:\n${lines.slice(-5).join("\n")}`);
      return lines;
    } finally {
      await this.remove();
    }
  }

  async stop(): Promise<void> {
    await run("docker", ["stop", "-t", "2", this.name]).catch(() => undefined);
    await this.remove();
  }

  private async remove(): Promise<void> {
    await run("docker", ["rm", "-f", this.name]).catch(() => undefined);
  }
}

const roleImage = () => `zmq-lab/roles:${process.env.ZMQ_LAB_TAG || "latest"}`;

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
