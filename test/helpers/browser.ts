// A headless Chromium for the browser tests: Debian's `chromium` (scripts/setup-browser.sh installs
// it; CHROMIUM_PATH picks another), driven by playwright-core, which downloads no browser.
import { execFileSync } from "node:child_process";
import { chromium, type Browser } from "playwright-core";

export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync("bash", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("no chromium on PATH: run `bash scripts/setup-browser.sh` (npm test runs it) or set CHROMIUM_PATH");
  }
}

/** Runs `use` with a fresh headless browser and closes it after, pass or fail. */
export async function withBrowser<T>(use: (browser: Browser) => Promise<T>): Promise<T> {
  // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  try {
    return await use(browser);
  } finally {
    await browser.close();
  }
}
