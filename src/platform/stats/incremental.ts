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
 * Every symbol's state lives in one file (state-store.ts): one read and one write per update.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { throwIfAborted } from "../../core/cancel.ts";
import { isTTError, usageError } from "../../core/errors.ts";
import { defaultWorkerCount } from "../../core/workers.ts";
import {
  coneLookback,
  type Estimator,
  emptyTables,
  mergeTables,
  optionsKey,
  type PriceSeries,
  type StatsTables,
  SuiteContext,
  type SuiteOptions,
  tailLength,
  updateSymbol,
  validateOptions,
} from "../../stats/index.ts";
import { DEFAULT_WINDOWS, IN_PROCESS_BYTES, symbolRanges } from "./compute.ts";
import { listDailySymbols, readBarsFile, type SymbolFiles } from "./dataset.ts";
import { appendedRows, concatSeries, DIGEST_MAX_BYTES, digested } from "./part-growth.ts";
import { runOnWorkers } from "./pool.ts";
import {
  decodeStates,
  type FileStamp,
  loadStates,
  type StateShape,
  type StoredState,
  saveStates,
} from "./state-store.ts";
import type { StatsTaskResponse, SymbolFailure } from "./task.ts";
import { writeStatsTables } from "./write.ts";

export interface UpdateStatsOptions {
  dataDir: string;
  /** Where `stats/` (the tables) is written; default dataDir. */
  outDir?: string;
  /** The state file; default `<outDir>/stats/state/daily.state`. */
  stateFile?: string;
  windows?: readonly number[];
  confidence?: number;
  annualization?: number;
  coneLookback?: number;
  estimators?: readonly Estimator[];
  /** Write the tables (default true); the state is always saved. */
  write?: boolean;
  /** Also write CSV mirrors of the tables. */
  csv?: boolean;
  /** Ignore the saved state: recompute every symbol in full (and save a fresh state). */
  full?: boolean;
  /**
   * Worker threads for symbols recomputed in full (default: one per core when they hold ≥ 16 MB
   * of Parquet, else in-process; 1 = in-process).
   */
  workers?: number;
  signal?: AbortSignal;
}

export interface UpdateStatsResult {
  tables: StatsTables;
  symbols: number;
  /** Symbols updated from their state (new parts appended, or nothing new). */
  incremental: number;
  /** Symbols recomputed in full, with the reason. */
  recomputed: { symbol: string; reason: string }[];
  /** Symbols whose bars could not be read: no rows (their previous state is kept). */
  failures: SymbolFailure[];
  /** Bars read from disk this run (new parts only for incremental symbols). */
  barsRead: number;
  /** States of symbols no longer in the dataset, dropped. */
  removedStates: number;
  /** Size of the saved state file. */
  stateBytes: number;
  seconds: number;
  /** Of which: reading the state, reading bars, computing, saving the state and the tables (overlapped). */
  phases: { loadState: number; readBars: number; compute: number; save: number };
}

export function defaultStateFile(outRoot: string): string {
  return join(outRoot, "stats", "state", "daily.state");
}

/** Reorder every table's rows by symbol (stable: a symbol's rows keep their window order). */
function sortBySymbol(t: StatsTables, order: ReadonlyMap<string, number>): void {
  for (const name of ["latest", "returns", "cone", "symbols"] as const) {
    const cols = t[name] as unknown as Record<string, unknown[]>;
    const sym = cols.symbol as string[];
    const idx = sym.map((_, i) => i).sort((a, b) => order.get(sym[a]!)! - order.get(sym[b]!)! || a - b);
    for (const k of Object.keys(cols)) {
      const c = cols[k]!;
      cols[k] = idx.map((i) => c[i]);
    }
  }
}

/** Per-symbol state files of earlier releases (`stats/state/<symbol>.state`): superseded by the one file. */
function removeOldStates(file: string): void {
  try {
    for (const f of readdirSync(dirname(file)))
      if (f.endsWith(".state") && f !== basename(file)) rmSync(join(dirname(file), f), { force: true });
  } catch {
    // no folder: nothing to remove
  }
}

function stamps(files: readonly string[]): FileStamp[] {
  return files.map((f) => {
    const st = statSync(f);
    return { name: basename(f), size: st.size, mtimeMs: st.mtimeMs };
  });
}

/** What a symbol's parts add to its state: new parts, and at most one grown part (part-growth.ts). */
export interface PartChanges {
  added: FileStamp[];
  /** The stored stamp of the newest part when it was rewritten; its rows are checked on read. */
  grown: FileStamp | null;
}

/**
 * New part files when every stored one is unchanged — or only the newest stored one changed and
 * carries a digest to check it against — else the reason for a full recompute.
 */
export function newParts(stored: readonly FileStamp[], current: readonly FileStamp[]): PartChanges | string {
  const now = new Map(current.map((f) => [f.name, f]));
  let grown: FileStamp | null = null;
  for (const [i, f] of stored.entries()) {
    const c = now.get(f.name);
    if (!c) return `part ${f.name} vanished`;
    if (c.size === f.size && c.mtimeMs === f.mtimeMs) continue;
    if (i !== stored.length - 1 || f.digest === undefined) return `part ${f.name} changed`;
    grown = f;
  }
  const known = new Set(stored.map((f) => f.name));
  return { added: current.filter((f) => !known.has(f.name)), grown };
}

/**
 * The bars a symbol's changes bring, in the order of its files (the order a full recompute reads
 * them in), with each part read here kept for its digest; or why the symbol needs a full recompute.
 */
function readChanges(
  dir: string,
  changes: PartChanges,
  current: readonly FileStamp[],
  lastDate: number | undefined,
  read: (file: string) => PriceSeries,
  readNow: Map<string, PriceSeries>,
): PriceSeries | string {
  const wanted = new Set(changes.added.map((f) => f.name));
  if (changes.grown) wanted.add(changes.grown.name);
  const parts: PriceSeries[] = [];
  for (const f of current) {
    if (!wanted.has(f.name)) continue;
    const rows = read(join(dir, f.name));
    readNow.set(f.name, rows);
    if (f.name !== changes.grown?.name) parts.push(rows);
    else {
      if (lastDate === undefined) return `part ${f.name} changed`;
      const appended = appendedRows(changes.grown, rows, lastDate);
      if (typeof appended === "string") return appended;
      parts.push(appended);
    }
  }
  return parts.length === 0 ? EMPTY : concatSeries(parts);
}

/** The stamps a state keeps: small parts with their digests (read now, carried over, or read). */
function keptStamps(
  dir: string,
  current: readonly FileStamp[],
  stored: readonly FileStamp[] | undefined,
  readNow: ReadonlyMap<string, PriceSeries>,
  read: (file: string) => PriceSeries,
): FileStamp[] {
  const before = new Map((stored ?? []).map((f) => [f.name, f]));
  return current.map((c) => {
    if (c.size > DIGEST_MAX_BYTES) return c;
    const rows = readNow.get(c.name);
    if (rows) return digested(c, rows);
    const b = before.get(c.name);
    if (b?.digest !== undefined && b.size === c.size && b.mtimeMs === c.mtimeMs) return b;
    try {
      return digested(c, read(join(dir, c.name)));
    } catch {
      return c; // unreadable now: without a digest, a later change recomputes the symbol
    }
  });
}

const EMPTY: PriceSeries = {
  date: new Int32Array(0),
  open: new Float64Array(0),
  high: new Float64Array(0),
  low: new Float64Array(0),
  close: new Float64Array(0),
};

export function suiteOptions(o: {
  windows?: readonly number[];
  confidence?: number;
  annualization?: number;
  coneLookback?: number;
  estimators?: readonly Estimator[];
}): SuiteOptions {
  const options: SuiteOptions = {
    windows: [...(o.windows ?? DEFAULT_WINDOWS)],
    confidence: o.confidence ?? 0.95,
    annualization: o.annualization ?? 252,
    ...(o.coneLookback !== undefined ? { coneLookback: o.coneLookback } : {}),
    ...(o.estimators ? { estimators: [...o.estimators] } : {}),
  };
  const bad = validateOptions(options);
  if (bad)
    throw usageError(`invalid statistics options: ${bad}`, {
      hint: "windows are integers ≥ 2, confidence in (0, 1), annualization > 0, cone lookback 2–65535",
    });
  return options;
}

/**
 * Symbols to recompute in full, on the worker pool when there are many (the first run, --force,
 * other options) — like computeStats — with their states; null: few enough for in-process.
 */
async function fullOnWorkers(
  full: readonly { sf: SymbolFiles; current: readonly FileStamp[] }[],
  options: SuiteOptions,
  shape: StateShape,
  o: UpdateStatsOptions,
): Promise<{
  tables: StatsTables;
  failures: SymbolFailure[];
  rows: number;
  states: Map<string, StoredState>;
} | null> {
  const bytes = full.map((p) => p.current.reduce((m, f) => m + f.size, 0));
  const workers = Math.max(1, defaultWorkerCount(o.workers ?? 0));
  const explicit = o.workers !== undefined && o.workers > 1;
  const total = bytes.reduce((a, b) => a + b, 0);
  if (workers === 1 || full.length < 2 || (!explicit && total < IN_PROCESS_BYTES)) return null;
  const ranges = symbolRanges(
    full.map((p) => p.sf),
    workers,
    bytes,
  );
  const responses: StatsTaskResponse[] = [];
  await runOnWorkers(
    ranges.map((symbols, id) => ({ id, symbols, options, parallelRead: false, stateShape: shape })),
    workers,
    o.signal,
    (res) => responses.push(res),
  );
  const out = {
    tables: emptyTables(),
    failures: [] as SymbolFailure[],
    rows: 0,
    states: new Map<string, StoredState>(),
  };
  for (const res of responses.sort((x, y) => x.id - y.id)) {
    mergeTables(out.tables, res.tables);
    out.failures.push(...res.failures);
    out.rows += res.rows;
    // The states are viewed in place: a buffer of their own, 8-byte aligned.
    const b = res.states!;
    const buf = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.slice().buffer;
    for (const e of decodeStates(buf as ArrayBuffer).entries) out.states.set(e.state.symbol, e);
  }
  return out;
}

export async function updateStats(o: UpdateStatsOptions): Promise<UpdateStatsResult> {
  const started = performance.now();
  const options = suiteOptions(o);
  const outRoot = o.outDir ?? o.dataDir;
  const file = o.stateFile ?? defaultStateFile(outRoot);
  const ctx = new SuiteContext(options);
  const shape: StateShape = {
    optionsKey: optionsKey(ctx),
    windows: options.windows.length,
    tail: tailLength(ctx),
    lookback: coneLookback(options),
  };
  const tables = emptyTables();
  const recomputed: { symbol: string; reason: string }[] = [];
  const failures: SymbolFailure[] = [];
  let incremental = 0;
  let barsRead = 0;
  let readMs = 0;
  const all: SymbolFiles[] = listDailySymbols(o.dataDir);

  let t = performance.now();
  const loaded = o.full
    ? { shape: null, entries: new Map<string, StoredState>(), problem: null }
    : await loadStates(file);
  // A state of other options (or shape) is of no use: every symbol is recomputed, and says why.
  let globalReason: string | null = o.full ? "full recompute asked" : loaded.problem;
  if (loaded.shape && loaded.shape.optionsKey !== shape.optionsKey) {
    globalReason = "statistics options changed";
    loaded.entries.clear();
  }
  const loadMs = performance.now() - t;

  const readPart = (file: string): PriceSeries => {
    const t0 = performance.now();
    const bars = readBarsFile(file);
    readMs += performance.now() - t0;
    barsRead += bars.date.length;
    return bars;
  };
  // What each symbol needs: its state and new parts, or a full recompute (and why).
  const plans = all.map((sf) => {
    const stored = loaded.entries.get(sf.symbol);
    loaded.entries.delete(sf.symbol);
    try {
      const current = stamps(sf.files);
      const added = stored ? newParts(stored.files, current) : (globalReason ?? "new symbol");
      return { sf, stored, current, added, error: null };
    } catch (e) {
      return { sf, stored, current: [], added: "unreadable", error: e };
    }
  });
  // Many symbols in full (the first run, --force, other options): on the worker pool, like
  // computeStats; a few (new symbols, corrections) in-process.
  const full = plans.filter((p) => p.error === null && typeof p.added === "string");
  t = performance.now();
  const pool = await fullOnWorkers(full, options, shape, o);
  const onWorkers = pool?.states ?? new Map<string, StoredState>();
  if (pool) {
    failures.push(...pool.failures);
    barsRead += pool.rows;
  }
  const kept: StoredState[] = [];
  let changed = globalReason !== null;
  let yieldedAt = 0;
  for (const { sf, stored, current, added, error } of plans) {
    // Yield between symbols: polars frames and the arrays copied out of them are native memory
    // that finalizers release only on the event loop (see task.ts; a full recompute of 29M bars
    // in one go would otherwise hold them all). Daily appends read a few bars: no pause needed.
    if (barsRead - yieldedAt > 100_000) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      yieldedAt = barsRead;
    }
    throwIfAborted(o.signal, "statistics update");
    const done = onWorkers.get(sf.symbol);
    const dir = sf.files.length > 0 ? dirname(sf.files[0]!) : "";
    if (done) {
      recomputed.push({ symbol: sf.symbol, reason: added as string });
      kept.push({ state: done.state, files: keptStamps(dir, current, undefined, new Map(), readPart) });
      changed = true;
      continue;
    }
    if (pool && typeof added === "string" && error === null) {
      // Its worker could not read it (a failure, counted there): keep what the state had.
      if (stored) kept.push(stored);
      continue;
    }
    try {
      if (error !== null) throw error;
      const readNow = new Map<string, PriceSeries>();
      let changes: PartChanges | string = added;
      let fresh = EMPTY;
      if (typeof changes !== "string" && (changes.added.length > 0 || changes.grown)) {
        const tail = stored?.state.tail.date;
        const lastDate = tail && tail.length > 0 ? tail[tail.length - 1] : undefined;
        const got = readChanges(dir, changes, current, lastDate, readPart, readNow);
        if (typeof got === "string") changes = got;
        else fresh = got;
      }
      const state = typeof changes === "string" ? undefined : stored?.state;
      // A full recompute reads every part: kept for the small parts' digests.
      const history = () =>
        concatSeries(
          sf.files.map((f) => {
            const rows = readPart(f);
            readNow.set(basename(f), rows);
            return rows;
          }),
        );
      const u = updateSymbol(sf.symbol, state, fresh, history, ctx, tables);
      if (u.mode === "incremental") incremental++;
      else
        recomputed.push({
          symbol: sf.symbol,
          reason: typeof changes === "string" ? changes : (u.reason ?? "full"),
        });
      if (
        u.mode === "full" ||
        fresh.date.length > 0 ||
        stored?.files.length !== current.length ||
        (typeof changes !== "string" && changes.grown)
      )
        changed = true;
      kept.push({ state: u.state, files: keptStamps(dir, current, stored?.files, readNow, readPart) });
    } catch (e) {
      // One unreadable symbol must not cost the statistics of the others; its state is kept so
      // the next update retries from where it was.
      failures.push({
        symbol: sf.symbol,
        message: (e as Error).message,
        ...(isTTError(e) && e.hint ? { hint: e.hint } : {}),
      });
      if (stored) kept.push(stored);
    }
  }
  if (pool) {
    // Worker rows join the in-process ones in the dataset's symbol order, as computeStats has them.
    mergeTables(tables, pool.tables);
    sortBySymbol(tables, new Map(all.map((sf, i) => [sf.symbol, i])));
  }
  failures.sort((x, y) => (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : 0));
  const computeMs = performance.now() - t - readMs;
  // States of symbols that left the dataset would only go stale.
  const removedStates = loaded.entries.size;
  if (removedStates > 0) changed = true;
  t = performance.now();
  // The state goes to disk (a thread writes the bytes) while the tables are written.
  const saving = changed ? saveStates(file, shape, kept) : null;
  try {
    if (o.write !== false) await writeStatsTables(join(outRoot, "stats"), tables, null, o.csv === true);
  } catch (e) {
    await saving?.catch(() => undefined); // the tables' error is the one to report
    throw e;
  }
  let stateBytes = 0;
  if (saving) stateBytes = await saving;
  else {
    try {
      stateBytes = statSync(file).size;
    } catch {
      stateBytes = 0;
    }
  }
  const saveMs = performance.now() - t;
  if (file === defaultStateFile(outRoot)) removeOldStates(file);
  return {
    tables,
    symbols: all.length,
    incremental,
    recomputed,
    failures,
    barsRead,
    removedStates,
    stateBytes,
    seconds: (performance.now() - started) / 1000,
    phases: {
      loadState: loadMs / 1000,
      readBars: readMs / 1000,
      compute: computeMs / 1000,
      save: saveMs / 1000,
    },
  };
}
