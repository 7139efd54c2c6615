#!/usr/bin/env bun
/**
 * Startup cost of the single binary: `dist/ttapi --help` wall time and binary size, beside a
 * hello-world binary compiled by the same Bun in the same run (the baseline: what any compiled Bun
 * program costs to start on this machine).
 */
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const bin = join(root, "dist", process.platform === "win32" ? "ttapi.exe" : "ttapi");
if (!existsSync(bin) || process.env.BENCH_REBUILD) {
  const b = Bun.spawnSync([process.execPath, join(root, "build.ts")], {
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (b.exitCode !== 0) process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), "ttapi-bench-cli-"));
writeFileSync(join(tmp, "hello.ts"), 'console.log("hello");\n');
const hello = join(tmp, "hello");
Bun.spawnSync(
  [process.execPath, "build", "--compile", "--minify", join(tmp, "hello.ts"), "--outfile", hello],
  { stdout: "ignore", stderr: "inherit" },
);

function wall(cmd: string[], runs: number): { median: number; min: number } {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const p = Bun.spawnSync(cmd, { cwd: tmp, stdout: "ignore", stderr: "ignore" });
    const dt = performance.now() - t0;
    if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${p.exitCode}`);
    if (i >= 2) times.push(dt); // first runs warm the page cache
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? Number.NaN, min: times[0] ?? Number.NaN };
}

const runs = process.env.BENCH_SCALE === "small" ? 5 : 20;
const ours = wall([bin, "--help"], runs);
const version = wall([bin, "--version"], runs);
const base = wall([hello], runs);
const size = statSync(bin).size;
const baseSize = statSync(hello).size;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(`cli startup (${runs} runs, median / min)`);
console.log(`  ttapi --help      ${fmt(ours.median)} / ${fmt(ours.min)}   target < 150 ms`);
console.log(`  ttapi --version   ${fmt(version.median)} / ${fmt(version.min)}`);
console.log(`  baseline hello    ${fmt(base.median)} / ${fmt(base.min)}   (compiled hello-world, same Bun)`);
console.log(`  ratio --help/baseline ${(ours.median / base.median).toFixed(2)}x`);
console.log(
  `  binary size       ${(size / 1e6).toFixed(1)} MB (baseline hello ${(baseSize / 1e6).toFixed(1)} MB)`,
);
