/**
 * EOD cache key cost: what a `--cached` run pays to decide whether the MetaStock sources changed.
 * Baseline (same run): the previous signature, a `stat` per file (absolute path, size, mtime).
 * Ours: relative paths + content hashes, cold (no hash cache: every file read and hashed, as after
 * a plain copy of the data) and warm (hash cache hit: a `stat` per file, the usual cron run).
 *
 *   bun bench/source-fingerprint.bench.ts           # full: 1,000 files × 1.5 MB (1.5 GB)
 *   BENCH_SCALE=small bun bench/source-fingerprint.bench.ts   # 200 files × 200 KB
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sourcesSignature } from "../src/platform/pipeline/source-fingerprint.ts";

const small = process.env.BENCH_SCALE === "small";
const FILES = small ? 200 : 1000;
const BYTES = small ? 200_000 : 1_500_000;
const root = mkdtempSync(join(tmpdir(), "ttapi-bench-srcfp-"));
try {
  const src = join(root, "stooq");
  for (let i = 0; i < FILES; i++) {
    const d = join(src, `d${i % 20}`);
    mkdirSync(d, { recursive: true });
    const buf = Buffer.alloc(BYTES);
    for (let k = 0; k < BYTES; k += 4) buf.writeUInt32LE((i * 2654435761 + k) >>> 0, k);
    writeFileSync(join(d, `s${i}.txt`), buf);
  }
  // The previous signature: absolute path, size and mtime of every file.
  const statOnly = (dir: string) => {
    const out: { path: string; size: number; mtime: number }[] = [];
    const walk = (p: string) => {
      const st = statSync(p);
      if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
      else out.push({ path: p, size: st.size, mtime: Math.floor(st.mtimeMs) });
    };
    walk(dir);
    return out;
  };
  const time = (f: () => unknown, reps: number) => {
    f(); // warm the page cache and JIT
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f();
    return (performance.now() - t0) / reps;
  };
  const cache = join(root, "hashes.json");
  const base = time(() => statOnly(src), 5);
  const cold = time(() => {
    rmSync(cache, { force: true });
    sourcesSignature([src], cache);
  }, 3);
  sourcesSignature([src], cache);
  const warm = time(() => sourcesSignature([src], cache), 5);
  const mb = (FILES * BYTES) / 1e6;
  console.log(`sources: ${FILES} files, ${mb.toFixed(0)} MB`);
  console.log(`baseline (stat only, absolute paths): ${base.toFixed(1)} ms`);
  console.log(
    `ours warm (hash cache hit):           ${warm.toFixed(1)} ms  (${(warm / base).toFixed(2)}x baseline)`,
  );
  console.log(
    `ours cold (hash every file):          ${cold.toFixed(1)} ms  (${(cold / base).toFixed(1)}x baseline, ${((mb / cold) * 1000).toFixed(0)} MB/s)`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
