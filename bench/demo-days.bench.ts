/**
 * `ttapi run --demo --days N` (default 30, small scale): wall time of the whole replay and per
 * played day, beside the baseline measured in the same run — one standalone cold `ttapi run
 * --demo` (what a single day costs as its own cron run, process start and fixtures included). Each
 * measured run is a separate process with a fresh data directory; peak RSS from getrusage.
 *
 *   BENCH_SCALE=small bun bench/demo-days.bench.ts
 *   BENCH_DAYS=10 …   fewer days
 *
 * Target (issue 12): `--days 30` at small scale under 30 s.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");
const DAYS = Number(process.env.BENCH_DAYS ?? 30);

async function measure(args: string[]): Promise<{ seconds: number; maxRssMB: number; code: number }> {
  const dir = mkdtempSync(join(tmpdir(), "ttapi-bench-days-"));
  try {
    const t0 = performance.now();
    const p = Bun.spawn([process.execPath, MAIN, ...args, "--data-dir", dir, "-q"], {
      cwd: ROOT,
      stdout: "ignore",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1", XDG_CONFIG_HOME: join(dir, "cfg") },
    });
    const stderr = await new Response(p.stderr).text();
    const code = await p.exited;
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) process.stderr.write(stderr.slice(-4000));
    if (args.includes("--days")) {
      const parts = readdirSync(join(dir, "lake", "option_quotes")).length;
      if (parts !== DAYS) throw new Error(`expected ${DAYS} option_quotes partitions, found ${parts}`);
    }
    const ru = p.resourceUsage();
    return { seconds, maxRssMB: ru ? Number(ru.maxRSS) / 1024 / 1024 : Number.NaN, code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = await measure(["run", "--demo"]);
const ours = await measure(["run", "--demo", "--days", String(DAYS)]);
const perDay = ours.seconds / DAYS;
console.log(`ttapi run --demo --days ${DAYS} (small scale, separate processes, fresh data dirs)`);
console.log(
  `  --days ${DAYS}          ${ours.seconds.toFixed(1)} s total, ${perDay.toFixed(2)} s per day, peak RSS ${ours.maxRssMB.toFixed(0)} MB, exit ${ours.code}   target < 30 s ${ours.seconds < 30 ? "✓" : "✗"}`,
);
console.log(
  `  baseline: one cold run --demo   ${base.seconds.toFixed(2)} s, peak RSS ${base.maxRssMB.toFixed(0)} MB, exit ${base.code}`,
);
console.log(`  ratio per played day / one cold run  ${(perDay / base.seconds).toFixed(2)}x`);
if (ours.code !== 0 || base.code !== 0) process.exit(1);
