#!/usr/bin/env bun
/**
 * `bun run bench` / `bun bench`: runs every bench/*.bench.ts in its own process (so peak RSS and
 * warm caches don't leak between them), or only those whose name matches the arguments.
 *   bun bench            all benchmarks
 *   bun bench import     bench/import.bench.ts only
 * Set BENCH_SCALE=small for a quick pass.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const filters = process.argv.slice(2);
const files = readdirSync(import.meta.dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n### ${f}\n`);
  const p = Bun.spawnSync([process.execPath, join(import.meta.dir, f)], {
    stdout: "inherit",
    stderr: "inherit",
    env: process.env,
  });
  if (p.exitCode !== 0) {
    failed++;
    process.stdout.write(`### ${f} exited with ${p.exitCode}\n`);
  }
}
process.exit(failed ? 1 : 0);
