/**
 * Reliability: an import killed with SIGKILL at random moments never leaves a partial or corrupt
 * Parquet file, and the dataset is always either the previous complete one or the new complete
 * one (after the recovery every import runs first).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { writeSyntheticStooq } from "../../metastock/index.ts";
import { importBars } from "./import.ts";
import { recoverOutput } from "./output.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-crash-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function parquetFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: false })
    .map(String)
    .filter((f) => f.endsWith(".parquet"))
    .map((f) => join(dir, f));
}

/** Fingerprint of a dataset; throws if any file is unreadable. */
function fingerprint(out: string): string {
  const files = parquetFiles(join(out, "bars"));
  let rows = 0;
  let sum = 0;
  const symbols = new Set<string>();
  for (const f of files) {
    const df = pl.readParquet(f);
    rows += df.height;
    sum += Number(df.getColumn("close").sum());
    for (const s of df.getColumn("symbol").unique().toArray()) symbols.add(String(s));
  }
  return `${rows}|${sum.toFixed(4)}|${[...symbols].sort().join(",")}`;
}

describe("kill -9 during import", () => {
  test("the dataset is always the old or the new complete one", async () => {
    const oldSrc = writeSyntheticStooq({
      outDir: join(tmp, "old-src"),
      symbols: 40,
      rows: 40 * 500,
      seed: 1,
    });
    const newSrc = writeSyntheticStooq({
      outDir: join(tmp, "new-src"),
      symbols: 60,
      rows: 60 * 8000,
      seed: 2,
    });
    const base = join(tmp, "base");
    await importBars({ inputs: [oldSrc.textDir], outDir: base });
    const oldPrint = fingerprint(base);

    const reference = join(tmp, "reference");
    cpSync(base, reference, { recursive: true });
    await importBars({ inputs: [newSrc.textDir], outDir: reference });
    const newPrint = fingerprint(reference);
    expect(newPrint).not.toBe(oldPrint);

    const fixture = join(import.meta.dir, "crash.fixture.ts");
    // Time one full run to spread the kill moments over it.
    const t0 = performance.now();
    const probe = join(tmp, "probe");
    cpSync(base, probe, { recursive: true });
    const full = Bun.spawnSync([process.execPath, fixture, probe, newSrc.textDir]);
    expect(full.stdout.toString()).toContain("done");
    const duration = performance.now() - t0;

    const seen = { old: 0, new: 0 };
    // Kill moments spread over the run (startup, parsing, merging, swap); the last run is left to
    // finish (kill after exit), so both outcomes are always exercised whatever the machine load.
    const moments = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, Number.POSITIVE_INFINITY];
    for (let i = 0; i < moments.length; i++) {
      const out = join(tmp, `run${i}`);
      cpSync(base, out, { recursive: true });
      const child = Bun.spawn([process.execPath, fixture, out, newSrc.textDir], {
        stdout: "pipe",
        stderr: "pipe",
      });
      if (Number.isFinite(moments[i]!)) await Bun.sleep(Math.floor(moments[i]! * duration));
      else await child.exited;
      child.kill(9);
      await child.exited;
      recoverOutput(out);
      const print = fingerprint(out); // throws on a corrupt/partial Parquet file
      expect([oldPrint, newPrint]).toContain(print);
      if (print === oldPrint) seen.old++;
      else seen.new++;
      // No staging leftovers after recovery.
      expect(readdirSync(out).filter((n) => n.startsWith("."))).toEqual([]);
    }
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.new).toBeGreaterThan(0);
  }, 120_000);

  test("recovery puts the previous dataset back when killed between the two renames", async () => {
    const out = join(tmp, "between");
    const src = writeSyntheticStooq({ outDir: join(tmp, "between-src"), symbols: 3, rows: 30, seed: 3 });
    await importBars({ inputs: [src.textDir], outDir: out });
    const before = fingerprint(out);
    // Simulate the state after the first rename of a swap by a process that is gone (pid 2^22+1).
    renameSync(join(out, "bars"), join(out, ".bars-prev-4194305-1"));
    expect(recoverOutput(out).restored).toBe(true);
    expect(fingerprint(out)).toBe(before);
  });
});
