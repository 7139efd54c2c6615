#!/usr/bin/env bun
/**
 * MetaStock import at the shapes where the per-symbol cost dominates (issue 16), each beside the
 * plain polars pipeline over the very same files in the same run (readCSV → zstd Parquet, one
 * output file per input file), as a ratio (target ≥ 1.5×):
 *   wide-300     3M rows, 300 symbols in 30 multi-symbol files (10 symbols each)
 *   many-3000    3M rows, 3,000 symbols, one file per symbol (1,000 rows each)
 *   daily        250 daily files × 20,000 symbols (one file per trading day, every symbol in it)
 *   daily-as-sym the same rows as 20,000 per-symbol files (250 rows each)
 * Shapes whose files hold several symbols are also timed against polars doing the same job (all
 * files read, split per symbol, one file per symbol in its own folder): the plain pipeline
 * writes 30 (wide-300) or 250 (daily) files where the import writes 300 or 20,000.
 * BENCH_SCALE=small divides the symbol counts by 10 (and the daily files to 25): fixed start-up
 * costs then weigh more, so the small ratios understate the full ones.
 * Each case runs in its own child process; data is cached under $TMPDIR/ttapi-bench/shapes-*.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const small = process.env.BENCH_SCALE === "small";
const k = small ? 10 : 1;
const base = join(
  process.env.BENCH_DIR ?? join(tmpdir(), "ttapi-bench"),
  `shapes-${small ? "small" : "full"}`,
);

interface Shape {
  /** Symbols, rows per symbol, symbols per file (0 = one file per trading day holding every symbol). */
  symbols: number;
  rowsPerSymbol: number;
  perFile: number;
}
const SHAPES: Record<string, Shape> = {
  "wide-300": { symbols: 300 / k, rowsPerSymbol: 10_000, perFile: 10 },
  "many-3000": { symbols: 3000 / k, rowsPerSymbol: 1000, perFile: 1 },
  daily: { symbols: 20_000 / k, rowsPerSymbol: 250 / (small ? 10 : 1), perFile: 0 },
  "daily-as-sym": { symbols: 20_000 / k, rowsPerSymbol: 250 / (small ? 10 : 1), perFile: 1 },
};

const HEADER = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n";

/** Trading days from 2000-01-03 on (weekdays), as YYYYMMDD. */
function tradingDays(n: number): number[] {
  const out: number[] = [];
  const d = new Date(Date.UTC(2000, 0, 3));
  while (out.length < n) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6)
      out.push(d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate());
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

function line(sym: number, day: number, i: number): string {
  const c = 10 + ((sym * 7 + i * 13) % 1000) / 10;
  return `S${sym}.US,D,${day},000000,${c.toFixed(2)},${(c + 1).toFixed(2)},${(c - 1).toFixed(2)},${(c + 0.5).toFixed(2)},${1000 + i},0\n`;
}

function generate(name: string, s: Shape): string {
  const dir = join(base, name);
  if (existsSync(join(dir, ".complete"))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const days = tradingDays(s.rowsPerSymbol);
  if (s.perFile === 0) {
    days.forEach((day, i) => {
      const parts = [HEADER];
      for (let sym = 0; sym < s.symbols; sym++) parts.push(line(sym, day, i));
      writeFileSync(join(dir, `${day}.txt`), parts.join(""));
    });
  } else {
    for (let f = 0; f < s.symbols / s.perFile; f++) {
      const parts = [HEADER];
      for (let sym = f * s.perFile; sym < (f + 1) * s.perFile; sym++)
        days.forEach((day, i) => {
          parts.push(line(sym, day, i));
        });
      writeFileSync(join(dir, `f${String(f).padStart(5, "0")}.txt`), parts.join(""));
    }
  }
  writeFileSync(join(dir, ".complete"), "");
  return dir;
}

interface Result {
  rows: number;
  seconds: number;
  cpuSeconds: number;
  files: number;
}
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

type Who = "ours" | "baseline" | "split";

async function runCase(shape: string, who: Who): Promise<Result> {
  const dir = join(base, shape);
  const out = join(base, `out-${shape}-${who}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const t0 = performance.now();
  const c0 = cpu();
  let rows = 0;
  let files = 0;
  if (who === "split") {
    // The same job done with polars alone: every input read, the rows split per symbol, one file
    // per symbol in its own folder (what the import writes); polars' eager writer, its fastest
    // for small frames. Only for shapes whose input files hold several symbols.
    const pl = (await import("nodejs-polars")).default;
    const inputs = readdirSync(dir)
      .filter((f) => f.endsWith(".txt"))
      .sort();
    const all = pl.concat(
      inputs.map((f) => pl.readCSV(readFileSync(join(dir, f)), { inferSchemaLength: 100 })),
      { how: "vertical" },
    );
    rows = all.height;
    for (const part of all.partitionBy("<TICKER>", true, true)) {
      const d = join(out, `symbol=${part.getColumn("<TICKER>").get(0)}`);
      mkdirSync(d);
      part.writeParquet(join(d, "part-0.parquet"), { compression: "zstd" });
      files++;
    }
  } else if (who === "baseline") {
    const pl = (await import("nodejs-polars")).default;
    const inputs = readdirSync(dir)
      .filter((f) => f.endsWith(".txt"))
      .sort();
    inputs.forEach((f, i) => {
      const df = pl.readCSV(readFileSync(join(dir, f)), { inferSchemaLength: 100 });
      rows += df.height;
      df.lazy()
        .sinkParquet(join(out, `${i}.parquet`), { compression: "zstd", compressionLevel: 1 })
        .collectSync();
      files++;
    });
  } else {
    const { importBars } = await import("../src/platform/import/index.ts");
    const s = await importBars({ inputs: [dir], outDir: out });
    rows = s.rows;
    files = s.parquetFiles;
  }
  const r = { rows, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpu() - c0, files };
  rmSync(out, { recursive: true, force: true });
  return r;
}

const caseArg = process.argv.indexOf("--case");
if (caseArg >= 0) {
  const [shape, who] = process.argv[caseArg + 1]!.split(":") as [string, Who];
  process.stdout.write(`${JSON.stringify(await runCase(shape, who))}\n`);
  process.exit(0);
}

const only = process.env.BENCH_SHAPES?.split(",");
process.stdout.write(
  `import shapes (${small ? "BENCH_SCALE=small: sizes ÷10" : "full sizes"}), zstd level 1\n`,
);
for (const [name, s] of Object.entries(SHAPES)) {
  if (only && !only.includes(name)) continue;
  generate(name, s);
  const res: Partial<Record<Who, Result>> = {};
  const runs: Who[] = s.perFile === 1 ? ["baseline", "ours"] : ["baseline", "split", "ours"];
  for (const who of runs) {
    const p = Bun.spawnSync([process.execPath, import.meta.path, "--case", `${name}:${who}`], {
      stdout: "pipe",
      stderr: "inherit",
      env: process.env,
    });
    const last = p.stdout.toString().trim().split("\n").pop() ?? "";
    if (p.exitCode === 0 && last.startsWith("{")) res[who] = JSON.parse(last) as Result;
  }
  const b = res.baseline;
  const o = res.ours;
  const rate = (r?: Result) => (r ? r.rows / r.seconds / 1e6 : Number.NaN);
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
  process.stdout.write(
    `${name.padEnd(13)} ${s.symbols} symbols × ${s.rowsPerSymbol} rows: ours ${f(rate(o))}M rows/s (${o ? o.seconds.toFixed(2) : "n/a"} s, ${o ? f(o.rows / o.cpuSeconds / 1e6) : "n/a"}M rows/cpu-s, ${o?.files ?? "n/a"} files) | polars ${f(rate(b))}M rows/s (${b ? b.seconds.toFixed(2) : "n/a"} s, ${b?.files ?? "n/a"} files) | ratio ${f(rate(o) / rate(b))}× (target ≥ 1.5×); per CPU-second ${o && b ? f(o.rows / o.cpuSeconds / (b.rows / b.cpuSeconds)) : "n/a"}×\n`,
  );
  const sp = res.split;
  if (sp)
    process.stdout.write(
      `${"".padEnd(13)} polars doing the same job (split per symbol, a file per symbol): ${f(rate(sp))}M rows/s (${sp.seconds.toFixed(2)} s, ${sp.files} files) | ratio ${f(rate(o) / rate(sp))}×\n`,
    );
}
process.stdout.write(`load average: ${loadavg()[0]!.toFixed(1)} on ${navigator.hardwareConcurrency} cores\n`);
