/**
 * `computeStats`: the statistics engine as a library call. Lists the daily bars dataset, splits
 * the symbols into contiguous ranges, runs the estimator suite on Bun Workers (or in-process for
 * `workers: 1`), merges the per-range tables in symbol order and writes `DIR/stats/*.parquet`.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { throwIfAborted } from "../../core/cancel.ts";
import { usageError } from "../../core/errors.ts";
import { getLogger } from "../../core/log.ts";
import { defaultWorkerCount } from "../../core/workers.ts";
import {
  type Estimator,
  type ExpectedMoveRow,
  emptyTables,
  expectedMoves,
  type ImpliedInput,
  IntervalCache,
  type IvHvRow,
  ivVsHv,
  type LatestTable,
  mergeTables,
  type StatsTables,
  type SuiteOptions,
  validateOptions,
} from "../../stats/index.ts";
import { listDailySymbols, type SymbolFiles, selectSymbols } from "./dataset.ts";
import { runOnWorkers } from "./pool.ts";
import { runStatsTask, type StatsTaskRequest, type StatsTaskResponse, type SymbolFailure } from "./task.ts";
import { writeStatsTables } from "./write.ts";

export const DEFAULT_WINDOWS = [10, 20, 30, 60, 90, 252] as const;

/** Below this much Parquet (~1M daily bars) the statistics run in-process by default. */
export const IN_PROCESS_BYTES = 16 * 1024 * 1024;

/** Parquet bytes per symbol: the work of a symbol is proportional to its rows, hence its bytes. */
function symbolBytes(symbols: SymbolFiles[]): number[] {
  return symbols.map((s) => {
    let total = 0;
    for (const f of s.files) {
      try {
        total += statSync(f).size;
      } catch {
        // vanished or unreadable: the reader reports it per symbol
      }
    }
    return total;
  });
}

export interface ComputeStatsOptions {
  /** Where the bars dataset is (`<dataDir>/bars/period=D/...`). */
  dataDir: string;
  /** Where `stats/` is written (default: `dataDir`), e.g. a cache artifact folder beside a shared dataset. */
  outDir?: string;
  /**
   * Restrict to these symbols (case-insensitive); unknown ones are an error. The written files
   * then update these symbols' rows and keep the other symbols' previous rows.
   */
  symbols?: readonly string[];
  windows?: readonly number[];
  confidence?: number;
  annualization?: number;
  /** Bars the volatility cone looks back over (default DEFAULT_CONE_LOOKBACK). */
  coneLookback?: number;
  /** Also write CSV mirrors. */
  csv?: boolean;
  /**
   * Worker threads (default: one per core, or in-process for datasets under ~16 MB of Parquet;
   * 1 runs in-process).
   */
  workers?: number;
  /** Compute the volatility cone (default true). */
  cone?: boolean;
  /** Estimators to report (default all five). */
  estimators?: readonly Estimator[];
  /** Also write every symbol's rolling volatility series to `DIR/stats/rolling/` (default false). */
  rolling?: boolean;
  /** Write `DIR/stats/*` (default true); false only computes. */
  write?: boolean;
  /** Market metrics (IV index, price, per-expiration IV) for IV vs HV and expected moves. */
  metrics?: readonly ImpliedInput[];
  signal?: AbortSignal;
}

export interface ComputeStatsResult {
  latest: LatestTable;
  tables: StatsTables;
  ivHv: IvHvRow[];
  expectedMoves: ExpectedMoveRow[];
  failures: SymbolFailure[];
  files: string[];
  /** Input bars read. */
  rows: number;
  symbols: number;
  seconds: number;
  /** Summed over workers: time reading Parquet vs estimating. */
  readSeconds: number;
  computeSeconds: number;
}

/**
 * Contiguous symbol ranges for the worker pool, sized by bytes (≈ rows) with guided
 * self-scheduling: each range takes 1/(2·workers) of the bytes still unassigned (at least
 * 1/(16·workers) of the total), so ranges shrink toward the end and the workers finish together
 * even when histories differ wildly in length. Without sizes every symbol counts the same.
 */
export function symbolRanges(
  symbols: SymbolFiles[],
  workers: number,
  bytes?: readonly number[],
): SymbolFiles[][] {
  if (symbols.length === 0) return [];
  const w = Math.max(1, workers);
  const size = (i: number) => Math.max(1, bytes?.[i] ?? 1);
  let remaining = 0;
  for (let i = 0; i < symbols.length; i++) remaining += size(i);
  const floor = remaining / (16 * w);
  const out: SymbolFiles[][] = [];
  let start = 0;
  while (start < symbols.length) {
    const target = Math.max(floor, remaining / (2 * w));
    let end = start;
    let taken = 0;
    while (end < symbols.length && (end === start || taken + size(end) <= target)) taken += size(end++);
    out.push(symbols.slice(start, end));
    remaining -= taken;
    start = end;
  }
  return out;
}

export async function computeStats(o: ComputeStatsOptions): Promise<ComputeStatsResult> {
  const log = getLogger("stats");
  const started = performance.now();
  const options: SuiteOptions = {
    windows: [...(o.windows ?? DEFAULT_WINDOWS)],
    confidence: o.confidence ?? 0.95,
    annualization: o.annualization ?? 252,
    cone: o.cone !== false,
    ...(o.coneLookback !== undefined ? { coneLookback: o.coneLookback } : {}),
    ...(o.estimators ? { estimators: [...o.estimators] } : {}),
  };
  const bad = validateOptions(options);
  if (bad)
    throw usageError(`invalid statistics options: ${bad}`, {
      hint: "windows are integers ≥ 2, confidence in (0, 1), annualization > 0, cone lookback 2–65535",
    });
  throwIfAborted(o.signal, "statistics");

  const all = listDailySymbols(o.dataDir);
  const { selected, unknown } = selectSymbols(all, o.symbols);
  if (unknown.length > 0) {
    throw usageError(`no daily bars for ${unknown.join(", ")} in ${o.dataDir}`, {
      hint: `${all.length} symbols have daily bars; check the spelling or import them first`,
    });
  }
  const workers = Math.max(1, defaultWorkerCount(o.workers ?? 0));
  const bytes = symbolBytes(selected);
  const ranges = symbolRanges(selected, workers, bytes);
  // Starting workers (each loads polars) costs more than a small dataset takes to compute, so
  // unless a worker count was asked for, small inputs run in-process.
  const explicitWorkers = o.workers !== undefined && o.workers > 0;
  const inProcess =
    workers === 1 ||
    ranges.length === 1 ||
    (!explicitWorkers && bytes.reduce((a, b) => a + b, 0) < IN_PROCESS_BYTES);
  const outRoot = o.outDir ?? o.dataDir;
  const rollingDir = o.rolling && o.write !== false ? join(outRoot, "stats", "rolling") : undefined;
  const requests: StatsTaskRequest[] = ranges.map((symbols, id) => ({
    id,
    symbols,
    options,
    parallelRead: inProcess,
    ...(rollingDir ? { rollingDir } : {}),
  }));
  const responses: (StatsTaskResponse | undefined)[] = new Array(requests.length);
  log.debug("start", {
    symbols: selected.length,
    ranges: ranges.length,
    workers,
    windows: options.windows.join(","),
  });

  if (inProcess) {
    for (const r of requests) responses[r.id] = await runStatsTask(r, o.signal);
  } else {
    await runOnWorkers(requests, workers, o.signal, (res) => {
      responses[res.id] = res;
    });
  }

  // Merge in range order so the output is in symbol order whatever finished first.
  const tables = emptyTables();
  const failures: SymbolFailure[] = [];
  let rows = 0;
  let readMs = 0;
  let computeMs = 0;
  for (const r of responses) {
    if (!r) continue;
    mergeTables(tables, r.tables);
    failures.push(...r.failures);
    rows += r.rows;
    readMs += r.readMs;
    computeMs += r.computeMs;
  }
  for (const f of failures) log.warn(`skipped ${f.symbol}: ${f.message}`, { symbol: f.symbol });

  // IV vs HV30 and expected moves from market metrics, when given.
  let ivHv: IvHvRow[] = [];
  let moves: ExpectedMoveRow[] = [];
  if (o.metrics && o.metrics.length > 0) {
    const hv = new Map<string, number | null>();
    for (let i = 0; i < tables.symbols.symbol.length; i++) {
      hv.set(tables.symbols.symbol[i]!.toUpperCase(), tables.symbols.hv30[i] ?? null);
    }
    const z = new IntervalCache(options.confidence).z;
    ivHv = o.metrics.map((m) => ivVsHv(m.symbol, m.ivIndex, hv.get(m.symbol.toUpperCase()) ?? null));
    moves = o.metrics.flatMap((m) => expectedMoves(m, z));
  }

  throwIfAborted(o.signal, "statistics");
  const files =
    o.write === false
      ? []
      : await writeStatsTables(
          join(outRoot, "stats"),
          tables,
          o.metrics && o.metrics.length > 0 ? { ivHv, moves } : null,
          o.csv === true,
          o.symbols && o.symbols.length > 0 ? selected.map((s) => s.symbol) : null,
        );
  const seconds = (performance.now() - started) / 1000;
  log.info("done", {
    symbols: selected.length,
    rows,
    seconds: seconds.toFixed(3),
    failures: failures.length,
  });
  return {
    latest: tables.latest,
    tables,
    ivHv,
    expectedMoves: moves,
    failures,
    files,
    rows,
    symbols: selected.length,
    seconds,
    readSeconds: readMs / 1000,
    computeSeconds: computeMs / 1000,
  };
}
