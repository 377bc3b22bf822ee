// Where this checkout is and what its images are called: one definition for the tests and the
// bench. The root is found (the folder holding compose.yaml), not counted, so the same code works
// from test/helpers/ under vitest and compiled under .lab/bench/ for `npm run bench`.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function rootAbove(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "compose.yaml")) && existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`repo root: no folder above ${start} holds compose.yaml and package.json`);
  }
}

export const repoRoot = rootAbove(dirname(fileURLToPath(import.meta.url)));

/**
 * Compose reads no `.env` in tests: a developer's `.env` (ZMQ_CURVE=on, say) must not change
 * what a test asserts. Tests pass every value they need through the process environment.
 */
export const noEnvFile = "/dev/null";

/** This checkout's image tag: ZMQ_LAB_TAG lets two checkouts share one Docker engine. */
export const labTag = process.env.ZMQ_LAB_TAG || "latest";
/** The role image, as compose tags it. */
export const roleImage = `zmq-lab/roles:${labTag}`;
/** The pyzmq image of the tutorial's scripts (compose/tutorial.yaml). */
export const tutorialImage = `zmq-lab/pyzmq:${labTag}`;
