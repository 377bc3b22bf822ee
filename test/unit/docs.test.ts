// The docs can't drift from the code: every variable a role reads is in .env.example, in compose
// and on its page; every `npm run X` exists; every relative link and anchor points somewhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");
const filesUnder = (dir: string, ext: string) =>
  readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(ext))
    .map((file) => join(dir, file));

const docs = ["README.md", ...filesUnder("docs", ".md")];
/** Role folders that are not patterns, and the pages that document their variables. */
const notPatterns: Record<string, string | undefined> = { runtime: undefined, tools: undefined, intruder: "docs/secure.md", dashboard: "docs/view.md" };
/** The bench's variables are set by `npm run bench` for each run, never by a user (docs/bench.md). */
const benchOnly = "bench";

/** Names a role reads: keys of a config spec (`NAME: validator(`) and direct `env.NAME` reads. */
export function variablesIn(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(/\b([A-Z][A-Z0-9_]{2,})\s*:\s*[a-z][A-Za-z]*\(/g)) names.add(match[1]!);
  for (const match of source.matchAll(/\benv(?:\.|\[["'])([A-Z][A-Z0-9_]{2,})/g)) names.add(match[1]!);
  return [...names].sort();
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Markdown outside fenced code blocks, where links and headings count. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, "");
const anchorsOf = (path: string) =>
  new Set([...prose(read(path)).matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!)));
const mentions = (text: string, name: string) => new RegExp(`\\b${name}\\b`).test(text);

describe("variables a role reads", () => {
  // Folders of TypeScript roles; services/tutorial holds the pyzmq scripts, which read no variables.
  const folders = readdirSync(join(root, "services"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== benchOnly && filesUnder(`services/${entry.name}`, ".ts").length > 0)
    .map((entry) => entry.name);
  const envExample = read(".env.example");
  const composeText = ["compose.yaml", ...filesUnder("compose", ".yaml")].map(read).join("\n");
  const allDocs = docs.map(read).join("\n");

  for (const folder of folders) {
    const names = variablesIn(filesUnder(`services/${folder}`, ".ts").map(read).join("\n"));
    const page = folder in notPatterns ? notPatterns[folder] : `docs/patterns/${folder}.md`;

    it(`${folder}: reads variables the test can find`, () => {
      expect(names.length).toBeGreaterThan(0);
    });

    it(`${folder}: every variable is in .env.example`, () => {
      expect(names.filter((name) => !mentions(envExample, name))).toEqual([]);
    });

    it(`${folder}: every variable is on ${page ?? "a docs page"}`, () => {
      const text = page ? (existsSync(join(root, page)) ? read(page) : "") : allDocs;
      expect(names.filter((name) => !mentions(text, name))).toEqual([]);
    });

    if (folder !== "runtime" && folder !== "tools") {
      // CURVE keys reach roles through env_file; everything else compose must pass by name.
      it(`${folder}: compose passes every variable to the role`, () => {
        expect(names.filter((name) => !name.startsWith("CURVE_") && !mentions(composeText, name))).toEqual([]);
      });
    }
  }

  it("compose/ports.yaml publishes every port a role binds by default, on 127.0.0.1 only", () => {
    const ports = read("compose/ports.yaml");
    const published = new Set([...ports.matchAll(/"127\.0\.0\.1:\$\{[A-Z0-9_]+:-\d+\}:(\d+)"/g)].map((match) => match[1]));
    const bound = new Set(
      folders
        .filter((folder) => !(folder in notPatterns))
        .flatMap((folder) => filesUnder(`services/${folder}`, ".ts").map(read))
        .flatMap((source) => [...source.matchAll(/tcp:\/\/\*:(\d+)/g)].map((match) => match[1])),
    );
    expect(bound.size).toBeGreaterThan(0);
    expect([...bound].filter((port) => !published.has(port))).toEqual([]);
    const mappings = [...ports.matchAll(/"([^"\n]*:\d+)"/g)].map((match) => match[1]!);
    expect(mappings.filter((mapping) => !mapping.startsWith("127.0.0.1:"))).toEqual([]);
  });

  it("finds spec keys and env reads, not other capitals", () => {
    const source = `runRole("r", { PAIR_BIND: endpoint({ default: "x" }), TASKS: integer({ min: 1 }) });
      const DEFAULT_BATCH: BatchLimits = { frames: 64 }; process.env.ZMQ_LAB_KEYS_DIR; env["CURVE_X"]; log("NOTE: see below")`;
    expect(variablesIn(source)).toEqual(["CURVE_X", "PAIR_BIND", "TASKS", "ZMQ_LAB_KEYS_DIR"]);
  });
});

describe("commands and links in README and docs", () => {
  const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);

  it("README is at most 200 lines and links every docs page", () => {
    const readme = read("README.md");
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
    const linked = new Set([...prose(readme).matchAll(/\]\((docs\/[^)#\s]+)/g)].map((match) => match[1]!));
    expect(filesUnder("docs", ".md").filter((page) => !linked.has(page))).toEqual([]);
  });

  it("the drills start from the built role image, not from a build of their own", () => {
    const drills = read("docs/drills.md");
    const build = drills.indexOf("\ndocker compose build\n");
    expect(build).toBeGreaterThan(0);
    expect(build).toBeLessThan(drills.search(/\ndocker compose [^\n]*\b(up|run)\b/));
    expect(drills.match(/docker compose [^\n]*--build/g) ?? []).toEqual([]);
  });

  for (const path of docs) {
    it(`${path}: every npm run X exists in package.json`, () => {
      const named = [...read(path).matchAll(/npm run ([a-z][\w:-]*)/g)].map((match) => match[1]!);
      expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
    });

    it(`${path}: every relative link points at a file, and every anchor at a heading`, () => {
      const broken: string[] = [];
      for (const [, target] of prose(read(path)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [file, anchor] = target!.split("#") as [string, string | undefined];
        const resolved = file ? relative(root, resolve(root, dirname(path), file)) : path;
        if (!existsSync(join(root, resolved))) broken.push(`${target} (no file ${resolved})`);
        else if (anchor && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor)) broken.push(`${target} (no heading)`);
      }
      expect(broken).toEqual([]);
    });
  }

  for (const path of filesUnder("docs", ".md")) {
    it(`${path}: its table of contents lists its sections, in order`, () => {
      const text = prose(read(path));
      const sections = [...text.matchAll(/^## (.+)$/gm)].map((match) => `#${anchorOf(match[1]!)}`);
      const contents = /^Contents:\n\n((?:- .+\n)+)/m.exec(text)?.[1] ?? "";
      expect(sections.length).toBeGreaterThan(0);
      expect([...contents.matchAll(/\]\((#[^)]+)\)/g)].map((match) => match[1])).toEqual(sections);
    });
  }

  it("makes anchors the way GitHub does", () => {
    expect(anchorOf("Request–reply (`reqrep`)")).toBe("requestreply-reqrep");
    expect(anchorOf("Drill: a consumer dies mid-batch")).toBe("drill-a-consumer-dies-mid-batch");
  });
});
