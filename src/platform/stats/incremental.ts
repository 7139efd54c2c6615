/**
 * `updateStats`: the daily statistics update. For each symbol of the bars dataset it compares
 * the symbol's part files with the ones its saved state covers:
 * - same files → nothing new: the rows come from the state;
 * - the same files plus new parts (what an import or the pipeline appends) → only the new parts
 *   are read and appended incrementally (estimators, intervals, cone);
 * - a part changed or vanished, a bar in a new part dated on or before the last one (a correction
 *   of the past), other options, no or unreadable state → that symbol is recomputed in full from
 *   all its parts, and its state renewed.
 * The tables equal a full `computeStats` over the same data (src/stats/incremental.ts proves it).
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { throwIfAborted } from "../../core/cancel.ts";
import { usageError } from "../../core/errors.ts";
import {
  type Estimator,
  emptyTables,
  type PriceSeries,
  type StatsTables,
  SuiteContext,
  type SuiteOptions,
  updateSymbol,
  validateOptions,
} from "../../stats/index.ts";
import { DEFAULT_WINDOWS } from "./compute.ts";
import { listDailySymbols, readSymbolBars, type SymbolFiles } from "./dataset.ts";
import { type FileStamp, loadState, saveState, stateFile } from "./state-store.ts";
import { writeStatsTables } from "./write.ts";

export interface UpdateStatsOptions {
  dataDir: string;
  /** Where `stats/` (tables and `stats/state/`) lives; default dataDir. */
  outDir?: string;
  windows?: readonly number[];
  confidence?: number;
  annualization?: number;
  estimators?: readonly Estimator[];
  /** Write the tables (default true); the state is always saved. */
  write?: boolean;
  signal?: AbortSignal;
}

export interface UpdateStatsResult {
  tables: StatsTables;
  symbols: number;
  /** Symbols updated from their state (new parts appended, or nothing new). */
  incremental: number;
  /** Symbols recomputed in full, with the reason. */
  recomputed: { symbol: string; reason: string }[];
  /** Bars read from disk this run (new parts only for incremental symbols). */
  barsRead: number;
  /** States of symbols no longer in the dataset, removed. */
  removedStates: number;
  seconds: number;
}

function stamps(files: readonly string[]): FileStamp[] {
  return files.map((f) => {
    const st = statSync(f);
    return { name: basename(f), size: st.size, mtimeMs: st.mtimeMs };
  });
}

/** New part files when every stored one is unchanged, else the reason for a full recompute. */
export function newParts(stored: readonly FileStamp[], current: readonly FileStamp[]): FileStamp[] | string {
  const now = new Map(current.map((f) => [f.name, f]));
  for (const f of stored) {
    const c = now.get(f.name);
    if (!c) return `part ${f.name} vanished`;
    if (c.size !== f.size || c.mtimeMs !== f.mtimeMs) return `part ${f.name} changed`;
  }
  const known = new Set(stored.map((f) => f.name));
  return current.filter((f) => !known.has(f.name));
}

const EMPTY: PriceSeries = {
  date: new Int32Array(0),
  open: new Float64Array(0),
  high: new Float64Array(0),
  low: new Float64Array(0),
  close: new Float64Array(0),
};

export async function updateStats(o: UpdateStatsOptions): Promise<UpdateStatsResult> {
  const started = performance.now();
  const options: SuiteOptions = {
    windows: [...(o.windows ?? DEFAULT_WINDOWS)],
    confidence: o.confidence ?? 0.95,
    annualization: o.annualization ?? 252,
    ...(o.estimators ? { estimators: [...o.estimators] } : {}),
  };
  const bad = validateOptions(options);
  if (bad) throw usageError(`invalid statistics options: ${bad}`);
  const outRoot = o.outDir ?? o.dataDir;
  const stateDir = join(outRoot, "stats", "state");
  const ctx = new SuiteContext(options);
  const tables = emptyTables();
  const recomputed: { symbol: string; reason: string }[] = [];
  let incremental = 0;
  let barsRead = 0;
  const all: SymbolFiles[] = listDailySymbols(o.dataDir);
  for (const sf of all) {
    throwIfAborted(o.signal, "statistics update");
    const current = stamps(sf.files);
    const { stored, problem } = loadState(stateDir, sf.symbol);
    const history = () => {
      const bars = readSymbolBars(sf);
      barsRead += bars.date.length;
      return bars;
    };
    let fresh = EMPTY;
    let state = stored?.state;
    let reason: string | null = problem;
    if (stored) {
      const added = newParts(stored.files, current);
      if (typeof added === "string") {
        state = undefined;
        reason = added;
      } else if (added.length > 0) {
        const dir = join(sf.files[0]!, "..");
        fresh = readSymbolBars({ symbol: sf.symbol, files: added.map((f) => join(dir, f.name)) });
        barsRead += fresh.date.length;
      }
    }
    const u = updateSymbol(sf.symbol, state, fresh, history, ctx, tables);
    if (u.mode === "incremental") incremental++;
    else recomputed.push({ symbol: sf.symbol, reason: reason ?? u.reason ?? "full" });
    if (u.mode === "full" || fresh.date.length > 0 || stored?.files.length !== current.length)
      await saveState(stateDir, { state: u.state, files: current });
  }
  // States of symbols that left the dataset would only go stale.
  let removedStates = 0;
  const keep = new Set(all.map((s) => basename(stateFile(stateDir, s.symbol))));
  try {
    for (const f of readdirSync(stateDir))
      if (f.endsWith(".state") && !keep.has(f)) {
        rmSync(join(stateDir, f), { force: true });
        removedStates++;
      }
  } catch {
    // no state folder yet
  }
  if (o.write !== false) await writeStatsTables(join(outRoot, "stats"), tables, null, false);
  return {
    tables,
    symbols: all.length,
    incremental,
    recomputed,
    barsRead,
    removedStates,
    seconds: (performance.now() - started) / 1000,
  };
}
