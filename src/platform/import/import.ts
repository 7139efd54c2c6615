/**
 * `importBars`: MetaStock ASCII/binary inputs → the bars Parquet dataset, as a library call.
 *
 * Flow: recover any interrupted previous import → expand inputs → plan tasks → parse + write
 * parts in a pool of workers (each worker parses a task and writes its (period, symbol) groups
 * straight to Parquet in a staging tree, so parsing and zstd writing overlap on all cores) →
 * per (period, symbol): rename a single part into place, or merge overlapping parts (and the
 * previous dataset's rows) in the workers → swap the staging tree in atomically.
 *
 * Duplicates (same symbol, period, date, time) are removed with this priority, first wins:
 *   1. inputs in the order given (a folder's entries in sorted path order; a binary database's
 *      securities in index order), 2. within a file, the earlier line, 3. the previous dataset
 *      in `outDir` (merge mode) loses to any imported row.
 */
import { mkdirSync } from "node:fs";
import { throwIfAborted } from "../../core/cancel.ts";
import { fsError, ioError, type TTError } from "../../core/errors.ts";
import { diskFullAt, isDiskFull, looksLikeTruncatedParquet } from "../../core/fs-errors.ts";
import { getLogger } from "../../core/log.ts";
import { defaultWorkerCount } from "../../core/workers.ts";
import { retainNativeHeap } from "../native-heap.ts";
import { carryOverUntouched } from "./carry-over.ts";
import { expandInputs } from "./inputs.ts";
import {
  commitStaging,
  createStaging,
  type DatasetEntry,
  listDataset,
  lockOutput,
  recoverOutput,
  removeStaging,
} from "./output.ts";
import { runParsePhase, strictError } from "./parse-phase.ts";
import { applyPlacements, partsBySymbol, planPlacements, psKey } from "./placement.ts";
import { DEFAULT_PLAN, planTasks } from "./plan.ts";
import { ParsePool } from "./pool.ts";
import { orderWarnings, sortedErrors } from "./reports.ts";
import type { ImportOptions, ImportProgress, ImportSummary } from "./types.ts";

const log = getLogger("import");

/**
 * zstd level 1: ~1.5× faster to write than polars' default level (3) for ~1.4× larger files on
 * price data; the import is write-bound, so speed wins by default (`compressionLevel` to change).
 */
export const DEFAULT_ZSTD_LEVEL = 1;

export async function importBars(opts: ImportOptions): Promise<ImportSummary> {
  const t0 = performance.now();
  const signal = opts.signal;
  throwIfAborted(signal, "import");
  try {
    mkdirSync(opts.outDir, { recursive: true });
  } catch (e) {
    throw ioError(
      `cannot create output folder ${opts.outDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        cause: e,
        hint: "choose a writable --out folder",
      },
    );
  }
  const unlock = lockOutput(opts.outDir);
  // The workers write one polars frame after another: keep the freed pages (see native-heap.ts).
  const releaseHeap = retainNativeHeap();
  try {
    return await importLocked(opts, t0);
  } finally {
    releaseHeap();
    unlock();
  }
}

async function importLocked(opts: ImportOptions, t0: number): Promise<ImportSummary> {
  const signal = opts.signal;
  const maxErrors = opts.maxErrors ?? 100;
  const compression = opts.compression ?? "zstd";
  const compressionLevel = opts.compressionLevel ?? DEFAULT_ZSTD_LEVEL;
  const csv = opts.csv ?? false;
  const durable = opts.durable ?? true;
  const strict = opts.strict ?? false;
  const recovered = recoverOutput(opts.outDir);
  if (recovered.restored)
    log.warn("restored the previous dataset after an interrupted import", { outDir: opts.outDir });

  const sources = expandInputs(opts.inputs);
  if (sources.length === 0) {
    throw ioError(`nothing to import in ${opts.inputs.join(", ")}: no files found`, {
      hint: "point at MetaStock ASCII files or folders holding them, or at a MASTER/EMASTER/XMASTER folder",
    });
  }
  const plan = planTasks(sources, {
    ...DEFAULT_PLAN,
    ...opts.tuning,
    ignoreEmaster: opts.ignoreEmaster ?? false,
  });
  const warnings: string[] = [...plan.warnings];
  if (strict && plan.errors.length > 0) throw strictError(plan.errors[0]!);

  // Load the native polars module on the main thread before any worker does (bun#19339).
  await import("nodejs-polars");
  const workers = Math.max(
    1,
    Math.min(defaultWorkerCount(opts.workers ?? 0), Math.max(1, plan.tasks.length)),
  );
  const staging = createStaging(opts.outDir);
  const pool = new ParsePool(workers);
  const onAbort = () => pool.close();
  signal?.addEventListener("abort", onAbort, { once: true });

  const progress: ImportProgress = {
    bytes: 0,
    totalBytes: plan.totalBytes,
    rows: 0,
    files: 0,
    totalFiles: plan.totalFiles,
    elapsedSeconds: 0,
    phase: "parse",
  };
  const report = () => {
    progress.elapsedSeconds = (performance.now() - t0) / 1000;
    opts.onProgress?.({ ...progress });
  };

  try {
    const parsed = await runParsePhase({
      plan,
      pool,
      staging,
      compression,
      compressionLevel,
      csv,
      durable,
      strict,
      maxErrors,
      signal,
      progress,
      report,
      warnings,
      transposeRows: opts.tuning?.transposeRows,
    });
    throwIfAborted(signal, "import");
    warnings.push(...(await orderWarnings(parsed.orderReports, plan.split)));
    const errors = await sortedErrors([...plan.errors], parsed.pieces, plan.split, sources);

    // Per (period, symbol): place single parts, merge overlapping ones (and previous rows).
    progress.phase = "merge";
    report();
    const bySymbol = partsBySymbol(parsed.parts);
    const existing = new Map<string, DatasetEntry>();
    if (!opts.replace) for (const e of listDataset(opts.outDir)) existing.set(psKey(e.period, e.symbol), e);
    const writeOptions = { compression, compressionLevel, csv, durable };
    const placed = await applyPlacements(
      planPlacements(bySymbol, existing, { staging, ...writeOptions }),
      pool,
      csv,
      signal,
    );
    throwIfAborted(signal, "import");
    if (placed.appendedSymbols > 0)
      log.info("appended without rewriting history", { symbols: placed.appendedSymbols });
    if (placed.replacedRows > 0) {
      warnings.push(
        `${placed.replacedRows} rows of the previous dataset (${placed.replacedSymbols} symbols) replaced by imported rows with the same date/time`,
      );
    }
    const upgraded = carryOverUntouched(existing.values(), staging, writeOptions, warnings);
    if (upgraded > 0)
      log.info("upgraded files of the previous dataset to the current types", { files: upgraded });

    progress.phase = "commit";
    report();
    throwIfAborted(signal, "import");
    commitStaging(opts.outDir, staging);

    const duplicates = parsed.duplicates + placed.duplicates;
    const summary: ImportSummary = {
      files: progress.files,
      rows: placed.rows,
      duplicates,
      skipped: parsed.skipped,
      errors: errors.slice(0, maxErrors),
      errorCount: plan.errors.length + parsed.errorCount,
      warnings,
      seconds: (performance.now() - t0) / 1000,
      bytes: progress.bytes,
      symbols: bySymbol.size,
      flagged: parsed.flagged,
      derivedSymbols: plan.derivedSymbols,
      parquetFiles: placed.parquetFiles,
      outDir: opts.outDir,
    };
    log.info("import done", {
      files: summary.files,
      rows: summary.rows,
      duplicates,
      skipped: summary.skipped,
      seconds: summary.seconds,
    });
    return summary;
  } catch (e) {
    throw diskFullError(e, opts.outDir) ?? e;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    pool.close();
    removeStaging(staging);
  }
}

/**
 * A full disk, said plainly: polars reports it as "File out of specification: … No space left on
 * device", or — when a truncated part is read back — only as "Invalid thrift: transport error".
 * Null when the failure is something else.
 */
function diskFullError(e: unknown, outDir: string): TTError | null {
  if (!isDiskFull(e) && !(looksLikeTruncatedParquet(e) && diskFullAt(outDir))) return null;
  return fsError({ code: "ENOSPC", message: (e as Error)?.message }, outDir, "write the import to");
}
