import { afterEach } from "vitest";
import { Lab } from "./lab.js";

/**
 * Labs for one test file: `start` brings a profile up, and each lab is removed after its test,
 * pass or fail (Ryuk is off, so nothing else would).
 */
export function labsPerTest(): { start: typeof Lab.start } {
  const started: Lab[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((lab) => lab.down()));
  });
  return {
    async start(profile, options) {
      const lab = await Lab.start(profile, options);
      started.push(lab);
      return lab;
    },
  };
}
