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
import { mkdirSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { barsSymbolDir } from "../../core/bars.ts";
import { throwIfAborted } from "../../core/cancel.ts";
import { cancelledError, dataError, fsError, ioError, type TTError } from "../../core/errors.ts";
import { diskFullAt, isDiskFull, looksLikeTruncatedParquet } from "../../core/fs-errors.ts";
import { getLogger } from "../../core/log.ts";
import { defaultWorkerCount } from "../../core/workers.ts";
import { isStoredBarsFile } from "../bars-schema.ts";
import { retainNativeHeap } from "../native-heap.ts";
import { expandInputs } from "./inputs.ts";
import { countLinesBefore } from "./lines.ts";
import {
  carryOver,
  commitStaging,
  createStaging,
  listDataset,
  lockOutput,
  recoverOutput,
  removeStaging,
} from "./output.ts";
import { fsyncFileAsync, upgradeBarsFiles } from "./parquet.ts";
import { DEFAULT_PLAN, planTasks } from "./plan.ts";
import { ParsePool } from "./pool.ts";
import type {
  ImportError,
  ImportOptions,
  ImportProgress,
  ImportSummary,
  MergeResponse,
  ParseTask,
  PieceResult,
  WorkerResponse,
  WrittenPart,
} from "./types.ts";

const log = getLogger("import");

/**
 * zstd level 1: ~1.5× faster to write than polars' default level (3) for ~1.4× larger files on
 * price data; the import is write-bound, so speed wins by default (`compressionLevel` to change).
 */
export const DEFAULT_ZSTD_LEVEL = 1;

/** Keys of the (period, symbol) map. */
const psKey = (period: string, symbol: string) => `${period}\u0000${symbol}`;

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
  const errors: ImportError[] = [...plan.errors];
  const warnings: string[] = [...plan.warnings];
  let errorCount = plan.errors.length;
  if (strict && errors.length > 0) throw strictError(errors[0]!);

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
    const parts: WrittenPart[] = [];
    const pieces: PieceResult[] = [];
    let duplicates = 0;
    let skipped = 0;
    const orderReports: PieceResult[] = [];
    let strictFailure: ImportError | null = null;
    const syncs: Promise<void>[] = [];
    let syncError: unknown = null;

    await Promise.all(
      plan.tasks.map(async (task) => {
        const res = (await pool.run({
          type: "task",
          task,
          // Parts are fsynced here, off the workers (see below), not inside each write.
          sink: { mode: "write", stagingRoot: staging, compression, compressionLevel, csv, durable: false },
          strict,
          maxErrors,
        })) as WorkerResponse;
        if (res.failure) {
          throw (
            diskFullError(new Error(res.failure), opts.outDir) ??
            ioError(`import failed on ${describeTask(task)}: ${res.failure}`, {
              hint: "check free disk space and permissions of the output folder",
            })
          );
        }
        for (const p of res.pieces) {
          pieces.push(p);
          progress.bytes += p.bytes;
          progress.rows += p.rows;
          if (p.piece === 0) progress.files++;
          duplicates += p.duplicates;
          skipped += p.skipped;
          errorCount += p.errorCount;
          for (const w of p.warnings) warnings.push(`${p.path}: ${w}`);
          if (p.unordered > 0 && !p.order) {
            warnings.push(`${p.path}: ${p.unordered} records out of date order (sorted on import)`);
          }
          if (p.order) orderReports.push(p);
        }
        parts.push(...res.parts);
        if (durable) {
          const syncLater = (path: string) =>
            syncs.push(
              fsyncFileAsync(path).catch((e) => {
                syncError ??= e;
              }),
            );
          for (const p of res.parts) {
            syncLater(p.path);
            if (csv) syncLater(p.path.replace(/\.parquet$/, ".csv"));
          }
        }
        report();
        if (strict && res.stopped && !strictFailure) {
          const bad = res.pieces.find((p) => p.errors.length > 0);
          const e = bad?.errors[0];
          strictFailure = {
            file: bad?.path ?? "?",
            line: e?.line ?? 0,
            reason: e?.reason ?? "malformed input",
          };
          if (bad && plan.split.has(bad.path))
            strictFailure.line = await absoluteLine(bad, strictFailure.line, plan.split);
          pool.close();
        }
      }),
    ).catch((e) => {
      if (strictFailure) return;
      if (signal?.aborted) throw cancelledError("import cancelled", { cause: signal.reason });
      throw e;
    });
    if (strictFailure) throw strictError(strictFailure);
    throwIfAborted(signal, "import");
    // Every part on disk before any is renamed, merged or swapped in (most already are: the
    // syncs ran on the I/O threads while the workers went on parsing).
    await Promise.all(syncs);
    if (syncError) {
      throw ioError(`cannot flush the imported files to disk: ${(syncError as Error).message}`, {
        cause: syncError,
        hint: "check free disk space and the output folder's filesystem",
      });
    }

    // Rows out of ascending order or repeated in a file: sorted / deduplicated, and reported.
    for (const p of orderReports) {
      const o = p.order!;
      const at = async (l: number) => (plan.split.has(p.path) ? await absoluteLine(p, l, plan.split) : l);
      if (o.descending > 0) {
        warnings.push(
          `${p.path}:${await at(o.firstDescendingLine)}: date before the previous row's (${o.descending} such rows; sorted on import)`,
        );
      }
      if (o.repeated > 0) {
        warnings.push(
          `${p.path}:${await at(o.firstRepeatedLine)}: same date/time as the previous row (${o.repeated} such rows; first kept)`,
        );
      }
    }

    // Errors in file order with absolute line numbers.
    for (const p of pieces) {
      for (const e of p.errors) {
        const line = plan.split.has(p.path) ? await absoluteLine(p, e.line, plan.split) : e.line;
        errors.push({ file: p.path, line, reason: e.reason });
      }
    }
    const order = new Map(sources.map((s, i) => [s.kind === "ascii" ? s.path : s.dir, i]));
    const rank = (f: string) => order.get(f) ?? order.get(dirname(f)) ?? Number.MAX_SAFE_INTEGER;
    errors.sort(
      (a, b) =>
        rank(a.file) - rank(b.file) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line,
    );

    // Per (period, symbol): place single parts, merge overlapping ones (and previous rows).
    progress.phase = "merge";
    report();
    const bySymbol = new Map<string, WrittenPart[]>();
    for (const p of parts) {
      const k = psKey(p.period, p.symbol);
      const list = bySymbol.get(k);
      if (list) list.push(p);
      else bySymbol.set(k, [p]);
    }
    const existing = new Map<string, ReturnType<typeof listDataset>[number]>();
    if (!opts.replace) for (const e of listDataset(opts.outDir)) existing.set(psKey(e.period, e.symbol), e);

    let rows = 0;
    let parquetFiles = 0;
    const merges: Promise<void>[] = [];
    let mergeId = 0;
    let replacedRows = 0;
    let replacedSymbols = 0;
    let appendedSymbols = 0;
    for (const [k, list] of bySymbol) {
      const { period, symbol } = list[0]!;
      const dir = barsSymbolDir(staging, period, symbol);
      const prev = existing.get(k);
      existing.delete(k);
      list.sort((a, b) => a.priority - b.priority || (a.path < b.path ? -1 : 1));
      const byKey = [...list].sort((a, b) => a.minKey - b.minKey);
      const overlap = byKey.some((p, i) => i > 0 && p.minKey <= byKey[i - 1]!.maxKey);
      // Disjoint parts stay separate files; many small ones (an interleaved multi-symbol file) are
      // compacted, but never a large series (merging loads it whole: memory must stay bounded).
      const totalRows = list.reduce((a, p) => a + p.rows, 0);
      if (!prev && !overlap && (list.length <= 8 || totalRows > 4_000_000)) {
        byKey.forEach((p, i) => {
          const target = `${dir}/part-${i}.parquet`;
          renameSync(p.path, target);
          if (csv) renameSync(p.path.replace(/\.parquet$/, ".csv"), target.replace(/\.parquet$/, ".csv"));
          rows += p.rows;
          parquetFiles++;
        });
        continue;
      }
      const id = mergeId++;
      merges.push(
        pool
          .run({
            type: "merge",
            id,
            parts: list.map((p) => p.path),
            existing: prev?.files ?? [],
            target: `${dir}/part-0.parquet`,
            // New parts that do not overlap each other may simply join the previous files when
            // they do not overlap those either (the daily-update case): no history rewrite.
            appendable: !overlap,
            newMinKey: byKey[0]!.minKey,
            newMaxKey: Math.max(...list.map((p) => p.maxKey)),
            compression,
            compressionLevel,
            csv,
            durable,
          })
          .then((r) => {
            const m = r as MergeResponse;
            if (m.failure) {
              throw ioError(`merging ${symbol} (${period}) failed: ${m.failure}`, {
                hint: "check free disk space",
              });
            }
            rows += m.newRows;
            duplicates += m.duplicates;
            parquetFiles += m.files;
            if (m.appended) appendedSymbols++;
            if (m.replaced > 0) {
              replacedRows += m.replaced;
              replacedSymbols++;
            }
          }),
      );
    }
    await Promise.all(merges).catch((e) => {
      if (signal?.aborted) throw cancelledError("import cancelled", { cause: signal.reason });
      throw e;
    });
    throwIfAborted(signal, "import");
    if (appendedSymbols > 0) log.info("appended without rewriting history", { symbols: appendedSymbols });
    if (replacedRows > 0) {
      warnings.push(
        `${replacedRows} rows of the previous dataset (${replacedSymbols} symbols) replaced by imported rows with the same date/time`,
      );
    }

    // Previous (period, symbol) folders this import did not touch are kept as they were, except
    // that folders from before the Categorical text columns are upgraded (see ../bars-schema.ts):
    // a glob scan fails on a dataset that mixes both. A folder is written whole by one import,
    // so its first file tells.
    let upgraded = 0;
    for (const e of existing.values()) {
      const target = barsSymbolDir(staging, e.period, e.symbol);
      carryOver(e.dir, target);
      let stored = true;
      try {
        stored = e.files.length === 0 || isStoredBarsFile(e.files[0]!);
      } catch (err) {
        // Not this import's data to judge: keep it as it was (as before), but say so.
        warnings.push(`${e.files[0]}: unreadable, kept as it was (${(err as Error).message.split("\n")[0]})`);
      }
      if (!stored) upgraded += upgradeBarsFiles(target, { compression, compressionLevel, csv, durable });
    }
    if (upgraded > 0)
      log.info("upgraded files of the previous dataset to the current types", { files: upgraded });

    progress.phase = "commit";
    report();
    throwIfAborted(signal, "import");
    commitStaging(opts.outDir, staging);

    const summary: ImportSummary = {
      files: progress.files,
      rows,
      duplicates,
      skipped,
      errors: errors.slice(0, maxErrors),
      errorCount,
      warnings,
      seconds: (performance.now() - t0) / 1000,
      bytes: progress.bytes,
      symbols: bySymbol.size,
      parquetFiles,
      outDir: opts.outDir,
    };
    log.info("import done", { files: summary.files, rows, duplicates, skipped, seconds: summary.seconds });
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

function describeTask(task: ParseTask): string {
  const first = task.kind === "ascii" ? task.files[0]?.path : task.items[0]?.path;
  return first ?? `task ${task.id}`;
}

function strictError(e: ImportError) {
  return dataError(`${e.file}${e.line ? `:${e.line}` : ""}: ${e.reason}`, {
    hint: "fix or remove the bad row, or run without --strict to skip bad rows",
    details: { ...e },
  });
}

async function absoluteLine(
  p: PieceResult,
  line: number,
  split: Map<string, { linesBefore: number }>,
): Promise<number> {
  const s = split.get(p.path);
  if (!s) return line;
  if (p.piece === 0) return line + s.linesBefore;
  return line + (await countLinesBefore(p.path, p.start));
}
