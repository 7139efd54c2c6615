/**
 * The layering rule, enforced: `cli → platform → {client, metastock, stats, sim} → core`.
 * Imports may only point down (or within the same layer). Type-only imports are allowed from any
 * lower layer (they vanish at runtime), but never upwards.
 *
 * And the entry rule: a file of layer A that imports (values or types) from another layer B goes
 * through B's public entry, never into B's internals — see `isPublicEntry` for what that is.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

type Layer = "core" | "client" | "metastock" | "stats" | "sim" | "platform" | "cli" | "workers";

/** For each layer, the layers it may import values from. */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  core: ["core"],
  client: ["client", "core"],
  metastock: ["metastock", "core"],
  stats: ["stats", "core"],
  sim: ["sim", "core"],
  platform: ["platform", "client", "metastock", "stats", "sim", "core"],
  cli: ["cli", "platform", "core"],
  workers: ["platform", "client", "metastock", "stats", "sim", "core"],
};
const RANK: Record<Layer, number> = {
  core: 0,
  client: 1,
  metastock: 1,
  stats: 1,
  sim: 1,
  platform: 2,
  cli: 3,
  workers: 3,
};

export interface ImportEdge {
  from: string; // repo-relative file
  to: string; // repo-relative resolved target
  typeOnly: boolean;
}

export function layerOf(repoPath: string): Layer | null {
  const m = /^(src\/(core|client|metastock|stats|sim|platform|cli)\/|workers\/)/.exec(repoPath);
  if (!m) return null;
  return (m[2] ?? "workers") as Layer;
}

const IMPORT_RE =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g;

/** Extract relative import edges from one source file. */
export function importsOf(repoPath: string, source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4] ?? m[5];
    if (!spec?.startsWith(".")) continue;
    const to = relative(".", resolve(dirname(repoPath), spec)).replaceAll("\\", "/");
    edges.push({ from: repoPath, to, typeOnly: Boolean(m[2]) });
  }
  return edges;
}

/** Every edge that breaks the layering rule. */
export function violations(edges: ImportEdge[]): string[] {
  const bad: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (!a || !b) continue;
    if (ALLOWED[a].includes(b)) continue;
    if (e.typeOnly && RANK[b] < RANK[a]) continue;
    bad.push(`${e.from} (${a}) imports ${e.to} (${b})`);
  }
  return bad;
}

/**
 * Whether `target` (repo-relative) is a public entry of its layer `b`, for an import from another
 * layer:
 *  - client, metastock, stats, sim: `src/<b>/index.ts` only;
 *  - platform: `src/platform/index.ts`, a module's `src/platform/<module>/index.ts`, or a one-file
 *    module `src/platform/<name>.ts` (the CLI loads each command lazily, so a command imports only
 *    the platform module it needs instead of the whole platform);
 *  - core: every file (core is a set of single-purpose leaf modules with no barrel);
 *  - from a test file (`*.test.ts`), also anything under `src/<b>/testing/` (helpers for tests).
 * Files under workers/ are exempt: each is a thin thread shell bound to one module, and a barrel
 * would load a whole layer into every worker thread.
 */
export function isPublicEntry(b: Layer, target: string, fromTest: boolean): boolean {
  if (b === "core") return true;
  if (fromTest && target.startsWith(`src/${b}/testing/`)) return true;
  if (target === `src/${b}/index.ts`) return true;
  if (b !== "platform") return false;
  const parts = target.split("/");
  return parts.length === 3 || (parts.length === 4 && parts[3] === "index.ts");
}

/** Every cross-layer edge that reaches into another layer's internals. */
export function deepImports(edges: ImportEdge[]): string[] {
  const bad: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (!a || !b || a === b || a === "workers") continue;
    if (isPublicEntry(b, e.to, e.from.endsWith(".test.ts"))) continue;
    bad.push(
      `${e.from} (${a}) imports ${e.to}: use ${b === "platform" ? "a platform module's index.ts" : `src/${b}/index.ts`}`,
    );
  }
  return bad;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

describe("layering", () => {
  test("the repository's import graph only points down", () => {
    const root = resolve(import.meta.dir, "..");
    const files = [...walk(join(root, "src")), ...walk(join(root, "workers"))];
    expect(files.length).toBeGreaterThan(10);
    const edges = files.flatMap((f) => {
      const rel = relative(root, f).replaceAll("\\", "/");
      return importsOf(rel, readFileSync(f, "utf8"));
    });
    expect(edges.length).toBeGreaterThan(10);
    expect(violations(edges)).toEqual([]);
    expect(deepImports(edges)).toEqual([]);
  });

  test("deep imports into another layer's internals are caught; public entries pass", () => {
    const graph: Record<string, string> = {
      "src/platform/import/plan.ts":
        'import { detectLayout } from "../../metastock/ascii/layout.ts";\nimport { readDatabase } from "../../metastock/index.ts";',
      "src/platform/stats/task.ts":
        'import type { SuiteOptions } from "../../stats/suite.ts";\nimport { computeSymbolStats } from "../../stats/index.ts";',
      "src/platform/stream/recorder.ts":
        'export { DxlinkClient } from "../../client/dxlink/index.ts";\nimport { bars } from "../../core/bars.ts";',
      "src/platform/pipeline/session.ts":
        'const { startSim } = await import("../../sim/dxlink/standalone.ts");',
      "src/cli/grid/state.ts":
        'import type { TaskState } from "../../platform/pipeline/graph.ts";\nimport { runPipeline } from "../../platform/pipeline/index.ts";',
      "src/cli/commands/auth.ts":
        'import { authLogin } from "../../platform/auth.ts";\nimport { importBars } from "../../platform/index.ts";',
      "src/platform/import/import.test.ts":
        'import { extractDatabases } from "../../metastock/testing/fixtures.ts";\nimport { parseAscii } from "../../metastock/ascii/index.ts";',
      "src/platform/import/worker-task.ts":
        'import { parseAscii } from "../../metastock/testing/fixtures.ts";',
      "workers/import-parse.ts": 'import { runTask } from "../src/platform/import/worker-task.ts";',
      "src/metastock/binary/data-file.ts": 'import { readMbf } from "../mbf.ts";',
    };
    const edges = Object.entries(graph).flatMap(([f, s]) => importsOf(f, s));
    expect(deepImports(edges).sort()).toEqual(
      [
        "src/platform/import/plan.ts (platform) imports src/metastock/ascii/layout.ts: use src/metastock/index.ts",
        "src/platform/stats/task.ts (platform) imports src/stats/suite.ts: use src/stats/index.ts",
        "src/platform/stream/recorder.ts (platform) imports src/client/dxlink/index.ts: use src/client/index.ts",
        "src/platform/pipeline/session.ts (platform) imports src/sim/dxlink/standalone.ts: use src/sim/index.ts",
        "src/cli/grid/state.ts (cli) imports src/platform/pipeline/graph.ts: use a platform module's index.ts",
        "src/platform/import/import.test.ts (platform) imports src/metastock/ascii/index.ts: use src/metastock/index.ts",
        "src/platform/import/worker-task.ts (platform) imports src/metastock/testing/fixtures.ts: use src/metastock/index.ts",
      ].sort(),
    );
  });

  test("a deliberately bad import graph is caught", () => {
    const graph: Record<string, string> = {
      "src/core/config.ts": 'import { x } from "../platform/pipeline/run.ts";',
      "src/stats/vol.ts":
        'import { client } from "../client/http.ts";\nimport type { Bars } from "../core/bars.ts";',
      "src/client/http.ts": 'export * from "../core/errors.ts";',
      "src/sim/server.ts": 'const m = await import("../cli/main.ts");',
      "src/cli/commands/sim.ts": 'import { startSim } from "../../sim/index.ts";',
      "src/cli/commands/ok.ts":
        'import type { SimOptions } from "../../sim/index.ts";\nimport { run } from "../../platform/index.ts";',
      "src/platform/index.ts": 'import type { Cmd } from "../cli/main.ts";',
    };
    const edges = Object.entries(graph).flatMap(([f, s]) => importsOf(f, s));
    expect(violations(edges).sort()).toEqual(
      [
        "src/core/config.ts (core) imports src/platform/pipeline/run.ts (platform)",
        "src/stats/vol.ts (stats) imports src/client/http.ts (client)",
        "src/sim/server.ts (sim) imports src/cli/main.ts (cli)",
        "src/cli/commands/sim.ts (cli) imports src/sim/index.ts (sim)",
        "src/platform/index.ts (platform) imports src/cli/main.ts (cli)",
      ].sort(),
    );
  });
});
