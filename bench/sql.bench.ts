/**
 * `ttapi sql` and incremental statistics, each beside a baseline measured in the same run:
 *
 * 1. One symbol's bars, end to end (process start included): `ttapi sql --csv "SELECT * FROM bars
 *    WHERE symbol = …"` (dist/ttapi when built, else `bun src/cli/main.ts`) vs a Bun process
 *    running the same query with DuckDB (@duckdb/node-api) over the same files, and the floor
 *    under ours: compiled programs that print a line, load polars, and read that one file with
 *    polars and print it as CSV.
 * 2. A per-symbol aggregate over all bars (rows/s), in-process: our SQL path vs DuckDB vs a plain
 *    polars hive scan + group-by (same streaming engine).
 * 3. The daily statistics update for every symbol: one new bar appended to each, incremental
 *    (saved state; in memory, then end to end with the state files) vs a full recompute.
 *
 *   BENCH_SCALE=small (default here) 507 symbols × 1,000 bars ≈ 0.5M rows
 *   BENCH_SCALE=full                 507 symbols × 57,000 bars ≈ 28.9M rows (the full demo lake)
 *   BENCH_REPS=5                     repetitions (median reported)
 *   BENCH_PARTS=1,2                  only these parts (default: all three)
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { barsSymbolDir } from "../src/core/bars.ts";
import { syntheticSeries, syntheticSymbol, writeSymbolBars } from "../src/platform/stats/synthetic.ts";

const SCALES = { small: { symbols: 507, rows: 1_000 }, full: { symbols: 507, rows: 57_000 } } as const;
type Scale = keyof typeof SCALES;
const scaleName: Scale = process.env.BENCH_SCALE === "full" ? "full" : "small";
const scale = SCALES[scaleName];
const reps = Math.max(2, Number(process.env.BENCH_REPS ?? 5));
const parts = new Set((process.env.BENCH_PARTS ?? "1,2,3").split(",").map((x) => x.trim()));
const repo = join(import.meta.dir, "..");
const lake = join(repo, ".bench-data", `sql-${scaleName}`);
const WINDOWS = [10, 20, 30, 60, 90, 252];

async function ensureLake(): Promise<void> {
  const marker = join(lake, "dataset.json");
  const want = JSON.stringify({ ...scale, generator: 1 });
  if (existsSync(marker) && readFileSync(marker, "utf8") === want) return;
  rmSync(lake, { recursive: true, force: true });
  for (let i = 0; i < scale.symbols; i++)
    await writeSymbolBars(lake, syntheticSymbol(i), syntheticSeries({ rows: scale.rows, seed: 1000 + i }));
  writeFileSync(marker, want);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
const rate = (rows: number, s: number) => `${(rows / s / 1e6).toFixed(1)}M rows/s`;

/** Wall seconds and CPU seconds (user + system, less sensitive to a busy machine) of one process. */
function runProcess(cmd: string[]): { wall: number; cpu: number } {
  const t0 = performance.now();
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const wall = (performance.now() - t0) / 1000;
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${p.stderr.toString().slice(0, 300)}`);
  return { wall, cpu: Number(p.resourceUsage?.cpuTime.total ?? 0n) / 1e6 };
}

/** Median wall and CPU of each command, run in turns (a load spike hits all of them alike). */
function timeProcesses(cmds: string[][]): { wall: number; cpu: number }[] {
  for (const cmd of cmds) runProcess(cmd); // warm the page cache
  const runs = cmds.map(() => [] as { wall: number; cpu: number }[]);
  for (let r = 0; r < reps; r++) for (const [i, cmd] of cmds.entries()) runs[i]!.push(runProcess(cmd));
  return runs.map((rs) => ({ wall: median(rs.map((x) => x.wall)), cpu: median(rs.map((x) => x.cpu)) }));
}

/** The Parquet file holding one symbol's bars (the synthetic lake writes one per symbol). */
function symbolFile(root: string, symbol: string): string {
  return `${barsSymbolDir(root, "D", symbol)}/part-0.parquet`;
}

/**
 * The floor under `ttapi sql`, compiled the way build.ts compiles ttapi (bytecode, minified, only
 * this platform's polars library): a program that prints a line, one that loads polars, and one
 * that reads one file with polars and prints it as CSV. Returns [name, command] pairs.
 */
function compileFloors(dir: string, file: string): [string, string[]][] {
  const polarsPkg = JSON.parse(readFileSync(join(repo, "node_modules/nodejs-polars/package.json"), "utf8"));
  const host = `nodejs-polars-${process.platform}-${process.arch}${process.platform === "linux" ? "-gnu" : ""}`;
  const externals = Object.keys(polarsPkg.optionalDependencies ?? {})
    .filter((p) => p !== host)
    .flatMap((p) => ["--external", p]);
  const programs: [string, string, string[]][] = [
    ["hello world (compiled Bun)", 'process.stdout.write("hello\\n");\n', []],
    [
      "polars loaded, nothing else",
      'import pl from "nodejs-polars";\nprocess.stdout.write(String(typeof pl.scanParquet));\n',
      [],
    ],
    [
      "polars reads the one file, writes CSV",
      'import pl from "nodejs-polars";\nprocess.stdout.write(pl.readParquet(process.argv[2]!).writeCSV());\n',
      [file],
    ],
  ];
  return programs.map(([name, source, args], i) => {
    const src = join(dir, `floor-${i}.ts`);
    const out = join(dir, `floor-${i}`);
    writeFileSync(src, source);
    const b = Bun.spawnSync(
      [
        process.execPath,
        "build",
        "--compile",
        "--minify",
        "--bytecode",
        "--format=esm",
        ...externals,
        src,
        "--outfile",
        out,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    if (b.exitCode !== 0) throw new Error(`compiling ${name} failed: ${b.stderr.toString().slice(0, 300)}`);
    rmSync(src);
    return [name, [out, ...args]];
  });
}

async function duckdbAvailable(): Promise<string | null> {
  try {
    await import("@duckdb/node-api");
    return null;
  } catch (e) {
    return (e as Error).message.split("\n")[0]!;
  }
}

async function main(): Promise<void> {
  await ensureLake();
  const symbol = syntheticSymbol(17);
  const glob = `${lake}/bars/**/*.parquet`;
  const duckProblem = await duckdbAvailable();
  console.log(
    `lake: ${scale.symbols} symbols × ${scale.rows.toLocaleString("en-US")} bars (${scaleName}), ${reps} reps, median`,
  );

  if (parts.has("1")) {
    // 1. One symbol end to end, beside the floor under it: what any compiled Bun program, one that
    // loads polars, and one that only reads that symbol's file with polars and prints it as CSV
    // cost on this machine (compiled like build.ts does), and DuckDB over the same files.
    const binary = join(repo, "dist", "ttapi");
    const ours = existsSync(binary) ? [binary] : [process.execPath, join(repo, "src", "cli", "main.ts")];
    const q1 = `SELECT * FROM bars WHERE symbol = '${symbol}'`;
    const oursCmd = [...ours, "sql", "--lake", lake, "--csv", q1];
    // Bun resolves the scripts' imports from the repo's node_modules, so they live under the repo.
    const scratch = join(repo, ".bench-data");
    const duckScript = join(scratch, "duck-one.ts");
    const duckSql = `SELECT * FROM read_parquet('${glob}', hive_partitioning = true) WHERE symbol = '${symbol}'`;
    writeFileSync(
      duckScript,
      `import { DuckDBInstance } from "@duckdb/node-api";
const con = await (await DuckDBInstance.create(":memory:")).connect();
const r = await con.runAndReadAll(${JSON.stringify(duckSql)});
process.stdout.write(r.columnNames().join(",") + "\\n" + r.getRows().map((x) => x.join(",")).join("\\n") + "\\n");
`,
    );
    const floors = compileFloors(scratch, symbolFile(lake, symbol));
    const both = (t: { wall: number; cpu: number }) => `${ms(t.wall)} wall, ${ms(t.cpu)} CPU`;
    const rows1: [string, string[]][] = [
      [existsSync(binary) ? "ttapi sql (dist/ttapi)" : "ttapi sql (bun src/cli/main.ts)", oursCmd],
      ...floors,
      ...(duckProblem
        ? []
        : [["DuckDB (bun + @duckdb/node-api)", [process.execPath, duckScript]] as [string, string[]]]),
    ];
    const t1 = timeProcesses(rows1.map(([, cmd]) => cmd));
    console.log(
      `one symbol's bars (${scale.rows.toLocaleString("en-US")} rows as CSV), end to end, process start included; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores:`,
    );
    const ourWall = t1[0]!.wall;
    rows1.forEach(([name], i) => {
      const t = t1[i]!;
      console.log(
        `  ${name.padEnd(46)} ${both(t)}${i === 0 ? "   target ≤ 50 ms" : `   ours/this ${(ourWall / t.wall).toFixed(2)}× wall`}`,
      );
    });
    if (duckProblem) console.log(`  DuckDB unavailable: ${duckProblem}`);
    for (const [, cmd] of floors) rmSync(cmd[0]!, { force: true });
  }

  if (parts.has("2")) {
    // 2. Per-symbol aggregate over all bars, in-process.
    const pl = (await import("nodejs-polars")).default;
    const { collectQuery, prepareQuery } = await import("../src/platform/query/index.ts");
    const agg =
      "SELECT symbol, count(*) AS n, avg(close) AS avg_close, min(low) AS lo, max(high) AS hi FROM bars GROUP BY symbol";
    const rows = scale.symbols * scale.rows;
    const runOurs = () => {
      const t0 = performance.now();
      const df = collectQuery(prepareQuery(lake, agg).frame);
      if (df.height !== scale.symbols) throw new Error(`expected ${scale.symbols} groups, got ${df.height}`);
      return (performance.now() - t0) / 1000;
    };
    const runPolars = () => {
      const t0 = performance.now();
      pl.scanParquet(glob, { hivePartitioning: true } as Parameters<typeof pl.scanParquet>[1])
        .groupBy("symbol")
        .agg(pl.len().alias("n"), pl.col("close").mean(), pl.col("low").min(), pl.col("high").max())
        .collectSync({ engine: "streaming" });
      return (performance.now() - t0) / 1000;
    };
    runOurs();
    const a = median(Array.from({ length: reps }, runOurs));
    runPolars();
    const p = median(Array.from({ length: reps }, runPolars));
    let line = `per-symbol aggregate over ${rows.toLocaleString("en-US")} bars: ours ${rate(rows, a)} (${ms(a)}) | plain polars hive scan (streaming) ${rate(rows, p)} (${(p / a).toFixed(2)}× our time)`;
    if (!duckProblem) {
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const con = await (await DuckDBInstance.create(":memory:")).connect();
      const dq = `SELECT symbol, count(*) AS n, avg(close), min(low), max(high) FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY symbol`;
      const runDuck = async () => {
        const t0 = performance.now();
        await con.runAndReadAll(dq);
        return (performance.now() - t0) / 1000;
      };
      await runDuck();
      const ds: number[] = [];
      for (let i = 0; i < reps; i++) ds.push(await runDuck());
      const d = median(ds);
      line += ` | DuckDB ${rate(rows, d)} (ours/duckdb throughput ${(d / a).toFixed(2)}×)`;
    }
    console.log(`${line}; target ≥ 50M rows/s`);
  }

  if (parts.has("3")) {
    // 3. Incremental vs full statistics for every symbol: one new bar each.
    const { listDailySymbols, readSymbolBars } = await import("../src/platform/stats/dataset.ts");
    const { computeSymbolStats, emptyTables, SuiteContext } = await import("../src/stats/suite.ts");
    const { appendBars, computeWithState } = await import("../src/stats/incremental.ts");
    const options = { windows: WINDOWS, confidence: 0.95, annualization: 252 };
    // Copies: the typed arrays polars hands out may view native memory that is reused once their
    // frame is collected, and these series are kept across the whole measurement.
    const series = listDailySymbols(lake).map((s) => {
      const b = readSymbolBars(s, false);
      return {
        symbol: s.symbol,
        bars: {
          date: b.date.slice(),
          open: b.open.slice(),
          high: b.high.slice(),
          low: b.low.slice(),
          close: b.close.slice(),
        },
      };
    });
    const cut = (b: (typeof series)[number]["bars"], to: number) => ({
      date: b.date.subarray(0, to),
      open: b.open.subarray(0, to),
      high: b.high.subarray(0, to),
      low: b.low.subarray(0, to),
      close: b.close.subarray(0, to),
    });
    const day = (b: (typeof series)[number]["bars"], i: number) => ({
      date: b.date.slice(i, i + 1),
      open: b.open.slice(i, i + 1),
      high: b.high.slice(i, i + 1),
      low: b.low.slice(i, i + 1),
      close: b.close.slice(i, i + 1),
    });
    const ctx = new SuiteContext(options);
    const fullTimes: number[] = [];
    const incTimes: number[] = [];
    const fullCpu: number[] = [];
    const incCpu: number[] = [];
    const cpuNow = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    let maxRel = 0;
    // States as of `reps` days ago; then one day after the other, as a daily run meets them.
    const states = series.map((s) =>
      computeWithState(s.symbol, cut(s.bars, s.bars.date.length - reps), ctx, emptyTables()),
    );
    for (let r = 0; r < reps; r++) {
      const upTo = (s: (typeof series)[number]) => s.bars.date.length - reps + r; // index of the new bar
      let t0 = performance.now();
      let c0 = cpuNow();
      const inc = emptyTables();
      for (let i = 0; i < series.length; i++)
        appendBars(states[i]!, day(series[i]!.bars, upTo(series[i]!)), ctx, inc);
      incTimes.push((performance.now() - t0) / 1000);
      incCpu.push(cpuNow() - c0);
      t0 = performance.now();
      c0 = cpuNow();
      const full = emptyTables();
      for (const s of series) computeSymbolStats(s.symbol, cut(s.bars, upTo(s) + 1), ctx, full);
      fullTimes.push((performance.now() - t0) / 1000);
      fullCpu.push(cpuNow() - c0);
      for (let i = 0; i < full.latest.vol.length; i++) {
        const x = inc.latest.vol[i] ?? null;
        const y = full.latest.vol[i] ?? null;
        if (x === y) continue;
        if (x === null || y === null || Math.abs(x - y) > 1e-12 * Math.abs(y))
          throw new Error(
            `incremental != full: ${full.latest.symbol[i]} w${full.latest.window[i]} ${full.latest.estimator[i]}: ${x} vs ${y}`,
          );
        maxRel = Math.max(maxRel, Math.abs(x - y) / Math.abs(y));
      }
    }
    // The first rep is what a daily cron run meets (cold JIT); the median of the rest is steady state.
    const ti = median(incTimes.slice(1));
    const tf = median(fullTimes.slice(1));
    const ci = median(incCpu.slice(1));
    const cf = median(fullCpu.slice(1));
    console.log(
      `daily statistics update, ${series.length} symbols × ${WINDOWS.length} windows × 5 estimators + cone, one new bar each, in memory: incremental ${ms(ti)} wall, ${ms(ci)} CPU (first run ${ms(incTimes[0]!)}) | full recompute ${ms(tf)} wall, ${ms(cf)} CPU (first ${ms(fullTimes[0]!)}) | ${(tf / ti).toFixed(1)}× wall, ${(cf / ci).toFixed(1)}× CPU; largest relative difference ${maxRel.toExponential(1)}; target ≤ 100 ms`,
    );

    // End to end with the state files: first run builds them, then one new part per symbol.
    const { updateStats } = await import("../src/platform/stats/incremental.ts");
    const { computeStats } = await import("../src/platform/stats/compute.ts");
    rmSync(join(lake, "stats"), { recursive: true, force: true });
    await updateStats({ dataDir: lake, windows: WINDOWS, write: false });
    let t0 = performance.now();
    const u = await updateStats({ dataDir: lake, windows: WINDOWS, write: false });
    const nothingNew = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const c = await computeStats({ dataDir: lake, windows: WINDOWS, write: false });
    const fullDisk = (performance.now() - t0) / 1000;
    console.log(
      `end to end from state files (${u.incremental} symbols, states read + rows emitted, no new parts): ${ms(nothingNew)} | computeStats over ${c.rows.toLocaleString("en-US")} bars ${ms(fullDisk)} | ${(fullDisk / nothingNew).toFixed(1)}×`,
    );
    rmSync(join(lake, "stats"), { recursive: true, force: true });
  }
}

await main();
