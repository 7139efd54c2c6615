#!/usr/bin/env bun
/**
 * Where a symbol's own file goes (issue 16): the per-file floor of the import's write path, step
 * by step, on this filesystem, beside the plain polars pipeline's per-file cost (readCSV of a
 * small file → zstd level-1 sinkParquet) in the same run. N files of R rows (the bars schema's 11
 * columns), wall and CPU microseconds per file:
 *   mkdir            a symbol folder (the lake layout: one folder per symbol)
 *   create+write     a new file of the Parquet file's size with plain fs (the filesystem's floor)
 *   fsync each       an fsync per file (what the import did per part) …
 *   syncfs / file    … against one syncfs for all of them (core/sync-fs.ts), per file
 *   lazy sink        polars' sinkParquet(zstd 1) of a ready frame (the streaming engine per file)
 *   eager write      polars' writeParquet(zstd) of a slice of one selected frame (what the import
 *                    now does for small groups, see parquet.ts smallGroupFrames)
 *   eager, none      the same uncompressed (the zstd part of the cost: a context per column)
 * "ours" per file = mkdir + eager write + syncfs share; "polars" = readCSV + lazy sink.
 * BENCH_SCALE=small: N = 200, else 1000; R = 250 (BENCH_ROWS to change).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { syncFilesystem } from "../src/core/sync-fs.ts";

const N = process.env.BENCH_SCALE === "small" ? 200 : 1000;
const R = Number(process.env.BENCH_ROWS ?? 250);
const root = join(process.env.BENCH_DIR ?? join(tmpdir(), "ttapi-bench"), `per-file-${process.pid}`);
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const results: Record<string, { wall: number; cpu: number }> = {};
function time(name: string, f: (i: number) => void): void {
  Bun.gc(true);
  const t = performance.now();
  const c = cpuMs();
  for (let i = 0; i < N; i++) f(i);
  results[name] = { wall: ((performance.now() - t) / N) * 1000, cpu: ((cpuMs() - c) / N) * 1000 };
}

const total = N * R;
const date = new Int32Array(total);
const price = new Float64Array(total);
for (let j = 0; j < total; j++) {
  date[j] = 10_000 + (j % R);
  price[j] = 10 + (j % 97) / 7;
}
const codes = Int32Array.from({ length: total }, (_, j) => Math.floor(j / R));
const names = Array.from({ length: N }, (_, k) => `S${k}.US`);
const big = pl
  .DataFrame([
    pl.Series("g", codes),
    pl.Series("date", date),
    ...["open", "high", "low", "close", "volume"].map((c) => pl.Series(c, price)),
  ])
  .select(
    pl
      .col("g")
      .replaceStrict(
        names.map((_, k) => k),
        names,
        undefined,
        pl.Utf8,
      )
      .cast(pl.Categorical)
      .alias("symbol"),
    pl.lit("D").cast(pl.Categorical).alias("period"),
    pl.col("date").cast(pl.Date),
    pl.lit(null).cast(pl.Int32).alias("time"),
    ...["open", "high", "low", "close", "volume"].map((c) => pl.col(c)),
    pl.lit(null).cast(pl.Float64).alias("openint"),
    pl.lit("/data/daily/x.txt").cast(pl.Categorical).alias("source"),
  );
const frames = Array.from({ length: N }, (_, i) => big.slice(i * R, R));
const dir = (i: number) => join(root, `symbol=S${i}.US`);
const csv = Array.from({ length: N }, (_, i) => {
  const lines = ["<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>"];
  for (let r = 0; r < R; r++)
    lines.push(`S${i}.US,D,${20000101 + r},000000,10.5,11.5,9.5,10.75,${1000 + r},0`);
  return Buffer.from(`${lines.join("\n")}\n`);
});

time("mkdir", (i) => mkdirSync(dir(i)));
const size = frames[0]!.writeParquet({ compression: "zstd" }).length;
time("create+write", (i) => writeFileSync(join(dir(i), "plain.bin"), Buffer.alloc(size, i)));
time("fsync each", (i) => {
  const fd = openSync(join(dir(i), "plain.bin"), "r");
  fsyncSync(fd);
  closeSync(fd);
});
for (let i = 0; i < N; i++) writeFileSync(join(dir(i), "again.bin"), Buffer.alloc(size, i + 1));
{
  const t = performance.now();
  const c = cpuMs();
  const ok = syncFilesystem(root);
  results[ok ? "syncfs / file" : "syncfs (unavailable)"] = {
    wall: ((performance.now() - t) / N) * 1000,
    cpu: ((cpuMs() - c) / N) * 1000,
  };
}
time("lazy sink", (i) =>
  frames[i]!.lazy()
    .sinkParquet(join(dir(i), "lazy.parquet"), { compression: "zstd", compressionLevel: 1 })
    .collectSync(),
);
time("eager write", (i) => frames[i]!.writeParquet(join(dir(i), "part-0.parquet"), { compression: "zstd" }));
time("eager, none", (i) =>
  frames[i]!.writeParquet(join(dir(i), "none.parquet"), { compression: "uncompressed" }),
);
time("polars readCSV+sink", (i) =>
  pl
    .readCSV(csv[i]!, { inferSchemaLength: 100 })
    .lazy()
    .sinkParquet(join(dir(i), "baseline.parquet"), { compression: "zstd", compressionLevel: 1 })
    .collectSync(),
);
rmSync(root, { recursive: true, force: true });

process.stdout.write(`per-file cost, ${N} files × ${R} rows (Parquet file ${size} bytes), µs per file\n`);
for (const [k, v] of Object.entries(results))
  process.stdout.write(
    `  ${k.padEnd(22)} wall ${v.wall.toFixed(0).padStart(6)}   cpu ${v.cpu.toFixed(0).padStart(6)}\n`,
  );
const pick = (k: string) => results[k] ?? { wall: Number.NaN, cpu: Number.NaN };
const sum = (ks: string[], f: "wall" | "cpu") => ks.reduce((a, k) => a + pick(k)[f], 0);
const ours = ["mkdir", "eager write", "syncfs / file"];
const base = ["polars readCSV+sink"];
process.stdout.write(
  `ours (mkdir + eager write + syncfs share) ${sum(ours, "wall").toFixed(0)} µs wall, ${sum(ours, "cpu").toFixed(0)} µs cpu | polars (readCSV + sink) ${sum(base, "wall").toFixed(0)} µs wall, ${sum(base, "cpu").toFixed(0)} µs cpu | ratio ${(sum(base, "wall") / sum(ours, "wall")).toFixed(2)}× wall, ${(sum(base, "cpu") / sum(ours, "cpu")).toFixed(2)}× cpu\n`,
);
process.stdout.write(`load average: ${loadavg()[0]!.toFixed(1)} on ${navigator.hardwareConcurrency} cores\n`);
