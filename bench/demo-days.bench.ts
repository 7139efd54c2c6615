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
 *
 * Where a played day's seconds go (from the replay's `--json`): the mean per task over days 2…N
 * (day 1 builds the fixtures and imports them), the run's critical chains (tasks overlap: the
 * option pass runs beside candles → bars → statistics) and the lake step; the statistics are
 * listed apart so the rest can be followed on its own. The machine's load is printed beside.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");
const DAYS = Number(process.env.BENCH_DAYS ?? 30);

interface DayJson {
  seconds: number;
  lakeSeconds?: number;
  tasks: { id: string; seconds: number }[];
}

async function measure(
  args: string[],
): Promise<{ seconds: number; cpu: number; maxRssMB: number; code: number; days: DayJson[] }> {
  const dir = mkdtempSync(join(tmpdir(), "ttapi-bench-days-"));
  try {
    const t0 = performance.now();
    const p = Bun.spawn([process.execPath, MAIN, ...args, "--data-dir", dir, "-q"], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1", XDG_CONFIG_HOME: join(dir, "cfg") },
    });
    const [stdout, stderr] = await Promise.all([
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
    ]);
    const code = await p.exited;
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) process.stderr.write(stderr.slice(-4000));
    if (args.includes("--days")) {
      const parts = readdirSync(join(dir, "lake", "option_quotes")).length;
      if (parts !== DAYS) throw new Error(`expected ${DAYS} option_quotes partitions, found ${parts}`);
    }
    const ru = p.resourceUsage();
    const days = args.includes("--days") ? ((JSON.parse(stdout) as { days: DayJson[] }).days ?? []) : [];
    // CPU seconds (all threads): on a shared machine the wall time follows the neighbours' load,
    // the CPU time much less so.
    const cpu = ru ? Number(ru.cpuTime.total) / 1e6 : Number.NaN;
    return { seconds, cpu, maxRssMB: ru ? Number(ru.maxRSS) / 1024 / 1024 : Number.NaN, code, days };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const load0 = loadavg()[0]!.toFixed(2);
const base = await measure(["run", "--demo", "--json"]);
const ours = await measure(["run", "--demo", "--days", String(DAYS), "--json"]);
const load1 = loadavg()[0]!.toFixed(2);
const perDay = ours.seconds / DAYS;
console.log(`ttapi run --demo --days ${DAYS} (small scale, separate processes, fresh data dirs)`);
console.log(
  `  --days ${DAYS}          ${ours.seconds.toFixed(1)} s total (CPU ${ours.cpu.toFixed(1)} s), ${perDay.toFixed(2)} s per day, peak RSS ${ours.maxRssMB.toFixed(0)} MB, exit ${ours.code}   target < 30 s ${ours.seconds < 30 ? "✓" : "✗"}`,
);
console.log(
  `  baseline: one cold run --demo   ${base.seconds.toFixed(2)} s (CPU ${base.cpu.toFixed(2)} s), peak RSS ${base.maxRssMB.toFixed(0)} MB, exit ${base.code}`,
);
console.log(
  `  ratio per played day / one cold run  ${(perDay / base.seconds).toFixed(2)}x   (load ${load0} → ${load1})`,
);

// Where a day's seconds go: means over days 2…N.
const later = ours.days.slice(1);
if (later.length > 0) {
  const mean = (f: (d: DayJson) => number) => later.reduce((a, d) => a + f(d), 0) / later.length;
  const task = (d: DayJson, id: string) => d.tasks.find((t) => t.id === id)?.seconds ?? 0;
  const ms = (s: number) => `${(s * 1000).toFixed(0).padStart(5)} ms`;
  const optionsChain = (d: DayJson) =>
    Math.max(task(d, "core.quote-token"), task(d, "sym.universe")) +
    task(d, "sym.chains") +
    task(d, "sym.option-quotes");
  const barsChain = (d: DayJson) =>
    task(d, "core.quote-token") + task(d, "sym.equities") + task(d, "eod.candles") + task(d, "eod.bars");
  console.log(`  a played day (mean of days 2…${ours.days.length}): ${ms(mean((d) => d.seconds))} in all`);
  console.log(`    options chain (token → chains → option pass)       ${ms(mean(optionsChain))}`);
  console.log(`    bars chain (token → equities → candles → bars)     ${ms(mean(barsChain))}`);
  console.log(
    `    statistics (math.stats)                            ${ms(mean((d) => task(d, "math.stats")))}`,
  );
  console.log(
    `    iv-hv + expected moves                             ${ms(mean((d) => task(d, "math.iv-hv") + task(d, "math.expected-moves")))}`,
  );
  console.log(
    `    lake step (snapshot partitions)                    ${ms(mean((d) => d.lakeSeconds ?? 0))}`,
  );
  console.log(
    `    without the statistics                             ${ms(mean((d) => d.seconds - task(d, "math.stats")))}`,
  );
  const ids = [...new Set(later.flatMap((d) => d.tasks.map((t) => t.id)))];
  const per = ids
    .map((id) => [id, mean((d) => task(d, id))] as const)
    .filter(([, s]) => s >= 0.005)
    .sort((a, b) => b[1] - a[1]);
  console.log(`    by task: ${per.map(([id, s]) => `${id} ${(s * 1000).toFixed(0)}`).join(", ")} (ms)`);
}
if (ours.code !== 0 || base.code !== 0) process.exit(1);
