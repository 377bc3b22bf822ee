// How the orchestrator starts things: compose projects of the lab's roles, and the same role code
// as host processes for the loopback runs. Every call is bounded in time.
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
/** Where tsconfig.bench.json puts the compiled roles. */
const hostRoles = fileURLToPath(new URL("../services/", import.meta.url));

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
  ) {
    this.name = `zmq-lab-bench-${name}`;
  }

  compose(args: string[], timeoutMs = 120_000): Promise<string> {
    // Set last, so a user's .env can't change what is measured.
    const env = { ...process.env, ZMQ_CURVE: "off", ...this.env };
    return run("docker", ["compose", "-p", this.name, "--profile", this.profile, ...args], env, timeoutMs);
  }

  up(services: string[], scale: Record<string, number> = {}): Promise<string> {
    const flags = Object.entries(scale).flatMap(([service, n]) => ["--scale", `${service}=${n}`]);
    return this.compose(["up", "-d", "--no-build", "--quiet-pull", ...flags, ...services]);
  }

  /** Waits until every container of `service` has exited. */
  async wait(service: string, timeoutMs: number): Promise<void> {
    await this.compose(["wait", service], timeoutMs);
  }

  /** Log lines with the daemon's timestamps, as [time in ms, text]. */
  async logs(service: string): Promise<Array<[number, string]>> {
    const raw = await this.compose(["logs", "--no-color", "--no-log-prefix", "--timestamps", service]);
    return raw
      .split("\n")
      .filter((line) => line.length > 0)
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

/** Runs a compiled role (`bench/sink.js`, say) on the host until it exits; its output lines. */
export function hostRole(role: string, env: Record<string, string>, timeoutMs: number): { done: Promise<string[]>; stop(): void } {
  const child = spawn(process.execPath, [`${hostRoles}${role}`], {
    cwd: repoRoot,
    env: { ...process.env, ZMQ_CURVE: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<string[]>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const lines = output.split("\n").filter(Boolean);
      if (code === 0) resolve(lines);
      else reject(new Error(`${role} exited ${code ?? signal}:\n${lines.slice(-5).join("\n")}`));
    });
  });
  return { done, stop: () => child.kill("SIGTERM") };
}

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
