import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { noEnvFile, repoRoot } from "./repo.js";

/**
 * Builds every image the tests run (the role image, the pyzmq tutorial's) before any integration
 * test, so tests never race a build. It is the build every command shares (scripts/image.sh):
 * with nothing changed it reuses the images.
 */
export default function setup(): void {
  const state = join(repoRoot, ".lab", "node-image");
  const nodeImage = process.env.NODE_IMAGE ?? (existsSync(state) ? readFileSync(state, "utf8").trim() : undefined);
  if (nodeImage) process.env.NODE_IMAGE = nodeImage;
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  execFileSync("bash", ["scripts/image.sh", "--env-file", noEnvFile, "--profile", "*"], { cwd: repoRoot, stdio: "inherit", env: process.env });
}
