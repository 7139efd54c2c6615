/**
 * One unit of statistics work: read a range of symbols and run the estimator suite on each.
 * Runs inside a Bun Worker (workers/stats-compute.ts) or in-process; the message types are the
 * whole contract between the two sides. Results are a few rows per symbol (small column arrays),
 * the bars themselves never cross a thread boundary: each worker reads its own files.
 */
import { throwIfAborted } from "../../core/cancel.ts";
import { isTTError } from "../../core/errors.ts";
import {
  computeSymbolStats,
  computeWithState,
  emptyTables,
  type StatsTables,
  SuiteContext,
  type SuiteOptions,
} from "../../stats/index.ts";
import { readSymbolBars, type SymbolFiles } from "./dataset.ts";
import { RollingCollector } from "./rolling.ts";
import { encodeStates, type StateShape, type StoredState } from "./state-store.ts";

export interface StatsTaskRequest {
  id: number;
  symbols: SymbolFiles[];
  options: SuiteOptions;
  /** Let polars decode with its thread pool (true when this is the only worker). */
  parallelRead: boolean;
  /** When set, write each symbol's rolling annualised volatility series under this directory. */
  rollingDir?: string;
  /** Also return each symbol's incremental state (encoded with this shape; file stamps left empty). */
  stateShape?: StateShape;
}

export interface SymbolFailure {
  symbol: string;
  message: string;
  hint?: string;
}

export interface StatsTaskResponse {
  id: number;
  tables: StatsTables;
  failures: SymbolFailure[];
  rows: number;
  readMs: number;
  computeMs: number;
  /** The symbols' incremental states (state-store.ts encoding) when the request asked for them. */
  states?: Uint8Array;
}

let cached: { key: string; ctx: SuiteContext } | null = null;

/** Context reuse keeps the grown buffers and the quantile caches across tasks of a worker. */
function contextFor(options: SuiteOptions): SuiteContext {
  const key = JSON.stringify(options);
  if (cached?.key !== key) cached = { key, ctx: new SuiteContext(options) };
  return cached.ctx;
}

/** Run one task; `signal` (in-process runs) is checked between symbols. */
export async function runStatsTask(req: StatsTaskRequest, signal?: AbortSignal): Promise<StatsTaskResponse> {
  const ctx = contextFor(req.options);
  const tables = emptyTables();
  const failures: SymbolFailure[] = [];
  let rows = 0;
  let readMs = 0;
  let computeMs = 0;
  const states: StoredState[] = [];
  for (const sf of req.symbols) {
    // Yield to the event loop between symbols: polars frames and the typed arrays copied out of
    // them are native memory released by finalizers that only run there. Without this a worker
    // that reads symbol after symbol synchronously keeps every read alive (measured: ~2 GB for
    // the 29M-row benchmark in one thread, ~100 MB with it).
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(signal, "statistics");
    const t0 = performance.now();
    let bars: ReturnType<typeof readSymbolBars>;
    try {
      bars = readSymbolBars(sf, req.parallelRead);
    } catch (e) {
      // One unreadable symbol must not cost the statistics of all the others.
      failures.push({
        symbol: sf.symbol,
        message: (e as Error).message,
        ...(isTTError(e) && e.hint ? { hint: e.hint } : {}),
      });
      continue;
    }
    const t1 = performance.now();
    rows += bars.date.length;
    if (req.stateShape) states.push({ state: computeWithState(sf.symbol, bars, ctx, tables), files: [] });
    else if (req.rollingDir) {
      const sink = new RollingCollector(req.options);
      computeSymbolStats(sf.symbol, bars, ctx, tables, sink.collect);
      sink.write(req.rollingDir, sf.symbol);
    } else computeSymbolStats(sf.symbol, bars, ctx, tables);
    const t2 = performance.now();
    readMs += t1 - t0;
    computeMs += t2 - t1;
  }
  return {
    id: req.id,
    tables,
    failures,
    rows,
    readMs,
    computeMs,
    ...(req.stateShape ? { states: encodeStates(req.stateShape, states) } : {}),
  };
}
