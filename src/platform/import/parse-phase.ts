/**
 * The import's parse phase: every planned task goes to the worker pool, which parses it and
 * writes its (period, symbol) groups as parts into the staging tree; the replies are tallied
 * here (rows, duplicates, skipped, flagged, errors, warnings) and each part is fsynced off the
 * workers, a bounded number at a time. `--strict` stops at the first task reporting a bad row.
 */
import pLimit from "p-limit";
import type { Compression } from "../../core/compression.ts";
import { cancelledError, dataError, ioError } from "../../core/errors.ts";
import { canSyncFilesystem } from "../../core/sync-fs.ts";
import { BackgroundSync } from "./background-sync.ts";
import { absoluteLine } from "./lines.ts";
import { fsyncFileAsync } from "./parquet.ts";
import type { Plan } from "./plan.ts";
import type { ParsePool } from "./pool.ts";
import { DEFAULT_TRANSPOSE_ROWS, Transposer } from "./transpose.ts";
import type {
  ImportError,
  ImportProgress,
  ParseTask,
  PieceResult,
  WorkerResponse,
  WrittenPart,
} from "./types.ts";

/** Rows per write task of gathered rows (see writeGathered). */
const GATHERED_BATCH_ROWS = 256 * 1024;

/** fsyncs in flight at once (each holds an open file; the I/O pool has 4 threads anyway). */
const SYNC_CONCURRENCY = 32;

export interface ParsePhaseOptions {
  plan: Plan;
  pool: ParsePool;
  staging: string;
  compression: Compression;
  compressionLevel: number;
  csv: boolean;
  durable: boolean;
  strict: boolean;
  maxErrors: number;
  signal?: AbortSignal;
  progress: ImportProgress;
  report: () => void;
  /** Rows of tiny groups gathered before they are written in a round (see transpose.ts). */
  transposeRows?: number;
  /** Warnings go straight into the import's list (in reply order). */
  warnings: string[];
}

export interface ParsePhase {
  parts: WrittenPart[];
  pieces: PieceResult[];
  /** Pieces with an ASCII order report (rows out of order or repeated). */
  orderReports: PieceResult[];
  duplicates: number;
  skipped: number;
  flagged: number;
  errorCount: number;
}

export async function runParsePhase(o: ParsePhaseOptions): Promise<ParsePhase> {
  const { plan, pool, progress, warnings } = o;
  const out: ParsePhase = {
    parts: [],
    pieces: [],
    orderReports: [],
    duplicates: 0,
    skipped: 0,
    flagged: 0,
    errorCount: 0,
  };
  let strictFailure: ImportError | null = null;
  const syncs: Promise<void>[] = [];
  let syncError: unknown = null;
  // Bounded: a daily all-symbol file yields thousands of parts in one reply, and one open file
  // per pending sync would hit the open-files limit (EMFILE at ulimit -n 1024).
  const syncSlots = pLimit(SYNC_CONCURRENCY);
  // syncfs on the whole staging tree instead of an fsync per part (see background-sync.ts).
  const background = o.durable && canSyncFilesystem() ? new BackgroundSync(o.staging) : null;
  const batchSync = background !== null;
  const syncLater = (path: string) =>
    syncs.push(
      syncSlots(() => fsyncFileAsync(path)).catch((e) => {
        syncError ??= e;
      }),
    );

  // Parts are fsynced here, off the workers, not inside each write.
  const sink = {
    mode: "write",
    stagingRoot: o.staging,
    compression: o.compression,
    compressionLevel: o.compressionLevel,
    csv: o.csv,
    durable: false,
    transpose: true,
  } as const;
  /** One task on the pool; a worker's failure is one E_IO line saying what it was doing. */
  const runTask = async (task: ParseTask, doing: string): Promise<WorkerResponse> => {
    const res = (await pool.run({
      type: "task",
      task,
      sink,
      strict: o.strict,
      maxErrors: o.maxErrors,
    })) as WorkerResponse;
    if (res.failure) {
      throw ioError(`import failed ${doing}: ${res.failure}`, {
        hint: "check free disk space and permissions of the output folder",
      });
    }
    return res;
  };
  const transposer = new Transposer();
  let nextGatheredId = plan.tasks.length;
  /** Write the rows handed back so far, one part per (period, symbol) (see transpose.ts). */
  const writeGathered = async () => {
    // Batches of at most ~256k rows: a worker holds a batch, its frame and the stored-form frame
    // at once, and the rest wait here already regrouped.
    const tasks = transposer.take(
      nextGatheredId,
      Math.max(pool.size * 4, Math.ceil(transposer.rows / GATHERED_BATCH_ROWS)),
    );
    nextGatheredId += tasks.length;
    await Promise.all(
      tasks.map(async (task) => {
        const res = await runTask(task, "writing gathered rows");
        out.duplicates += res.duplicates ?? 0;
        if (res.unordered)
          warnings.push(`${res.unordered} records out of date order across input files (sorted on import)`);
        tallyParts(res);
      }),
    );
  };
  const tallyParts = (res: WorkerResponse) => {
    out.parts.push(...res.parts);
    if (res.parts.length > 0) background?.written();
    if (o.durable && !batchSync) {
      for (const p of res.parts) {
        syncLater(p.path);
        if (o.csv) syncLater(p.path.replace(/\.parquet$/, ".csv"));
      }
    }
  };

  const parseAll = Promise.all(
    plan.tasks.map(async (task) => {
      const res = await runTask(task, `on ${describeTask(task)}`);
      for (const p of res.pieces) {
        out.pieces.push(p);
        progress.bytes += p.bytes;
        progress.rows += p.rows;
        if (p.piece === 0) progress.files++;
        out.duplicates += p.duplicates;
        out.skipped += p.skipped;
        out.flagged += p.flagged;
        out.errorCount += p.errorCount;
        for (const w of p.warnings) warnings.push(`${p.path}: ${w}`);
        if (p.unordered > 0 && !p.order) {
          warnings.push(`${p.path}: ${p.unordered} records out of date order (sorted on import)`);
        }
        if (p.order) out.orderReports.push(p);
      }
      tallyParts(res);
      if (res.gathered) {
        transposer.add(task.id, res.gathered);
        if (transposer.rows >= (o.transposeRows ?? DEFAULT_TRANSPOSE_ROWS)) await writeGathered();
      }
      o.report();
      if (o.strict && res.stopped && !strictFailure) {
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
  );
  await parseAll
    .then(async () => {
      if (!strictFailure && transposer.rows > 0) await writeGathered();
    })
    .catch((e) => {
      background?.close();
      if (strictFailure) return;
      if (o.signal?.aborted) throw cancelledError("import cancelled", { cause: o.signal.reason });
      throw e;
    });
  if (strictFailure) {
    background?.close();
    throw strictError(strictFailure);
  }
  // Every part on disk before any is renamed, merged or swapped in: one syncfs for the whole
  // staging tree where the platform has it, else (or when it fails) an fsync per file — most of
  // which already ran on the I/O threads while the workers went on parsing.
  if (background && !(await background.finish())) {
    for (const p of out.parts) {
      syncLater(p.path);
      if (o.csv) syncLater(p.path.replace(/\.parquet$/, ".csv"));
    }
  }
  await Promise.all(syncs);
  if (syncError) {
    throw ioError(`cannot flush the imported files to disk: ${(syncError as Error).message}`, {
      cause: syncError,
      hint: "check free disk space and the output folder's filesystem",
    });
  }
  return out;
}

function describeTask(task: ParseTask): string {
  const first =
    task.kind === "ascii" ? task.files[0]?.path : task.kind === "binary" ? task.items[0]?.path : undefined;
  return first ?? `task ${task.id}`;
}

/** The one-line failure of `--strict`: the first bad row or file. */
export function strictError(e: ImportError) {
  return dataError(`${e.file}${e.line ? `:${e.line}` : ""}: ${e.reason}`, {
    hint: "fix or remove the bad row, or run without --strict to skip bad rows",
    details: { ...e },
  });
}
