/**
 * Demo fixtures: on first use `ttapi run --demo` writes MetaStock sources into the data
 * directory — a Stooq-layout ASCII tree and a binary MetaStock database — built from the sim
 * universe's own daily bars, so the files, the REST prices and the DXLink candles tell the same
 * story (the candles' recent sessions overlap the files and are removed as duplicates).
 *
 *  small (default): the run's default symbols, ≈3 years each (a few thousand rows: seconds).
 *  full:            all 507 sim symbols, ≈29M rows: each series is the sim's 3 years preceded by
 *                   a seeded synthetic history (weekdays, rescaled to join the sim's first open).
 *
 * Written into a temporary folder and renamed into place, with `fixtures.json` as the marker, so
 * an interrupted generation is simply redone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsyncPath } from "../../core/atomic.ts";
import { internalError } from "../../core/errors.ts";
import { processAlive } from "../../core/process-alive.ts";
import { weekday } from "../../core/time.ts";
import {
  encodeStooqText,
  syntheticSeries,
  type WriterSecurity,
  type WriterSeries,
  writeMetastockDb,
} from "../../metastock/index.ts";
import type { Universe } from "../../sim/index.ts";

export type DemoScale = "small" | "full";

/** Rows of the full-scale fixture set (the import benchmark's size). */
export const FULL_SCALE_ROWS = 29_000_000;

export interface DemoFixtures {
  root: string;
  /** Inputs for the import engine. */
  sources: string[];
  symbols: string[];
  rows: number;
  binaryRows: number;
  generated: boolean;
  seconds: number;
}

/** Weekdays strictly before `day`, `n` of them, ascending. */
function weekdaysBefore(day: number, n: number): Int32Array {
  const out = new Int32Array(n);
  let d = day - 1;
  for (let i = n - 1; i >= 0; d--) {
    const w = weekday(d);
    if (w === 0 || w === 6) continue;
    out[i--] = d;
  }
  return out;
}

/** Columns for `length` rows (a generator reuses one set for every series of that length). */
function seriesColumns(length: number): WriterSeries {
  return {
    length,
    date: new Int32Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
    openint: new Float64Array(length),
  };
}

/**
 * The sim's daily bars for a symbol, optionally preceded by `extra` rows of synthetic history;
 * written into `into` when its length fits (its contents are then overwritten).
 */
export function demoSeries(
  u: Universe,
  symbol: string,
  extra: number,
  seed: number,
  into?: WriterSeries,
): WriterSeries {
  const b = u.dailyBars(symbol);
  if (!b) throw internalError(`demo fixtures: ${symbol} is not a sim universe symbol`);
  const n = b.day.length;
  const total = n + extra;
  const s = into?.length === total ? into : seriesColumns(total);
  if (extra > 0) {
    syntheticSeries(symbol, extra, seed, s);
    // Rescale so the synthetic history ends where the sim's path begins.
    const k = (b.open[0] as number) / (s.close[extra - 1] as number);
    const q = (x: number) => Math.round(x * k * 10000) / 10000;
    s.date.set(weekdaysBefore(b.day[0] as number, extra), 0);
    for (let i = 0; i < extra; i++) {
      s.open[i] = q(s.open[i]!);
      s.high[i] = q(s.high[i]!);
      s.low[i] = q(s.low[i]!);
      s.close[i] = q(s.close[i]!);
    }
  }
  s.openint!.fill(0);
  s.date.set(b.day, extra);
  s.open.set(b.open, extra);
  s.high.set(b.high, extra);
  s.low.set(b.low, extra);
  s.close.set(b.close, extra);
  s.volume.set(b.volume, extra);
  return s;
}

/** The last `keep` rows, copied (the generator reuses the series' columns). */
const tail = (s: WriterSeries, keep: number): WriterSeries => {
  const k = Math.min(keep, s.length);
  const t = <T extends Int32Array | Float64Array>(a: T) => a.slice(s.length - k) as T;
  return {
    length: k,
    date: t(s.date),
    open: t(s.open),
    high: t(s.high),
    low: t(s.low),
    close: t(s.close),
    volume: t(s.volume),
    openint: t(s.openint!),
  };
};

/** Remove `<root>.tmp-<pid>` folders left by generations that were killed. */
function removeDeadTemps(root: string): void {
  const parent = dirname(root);
  const prefix = `${basename(root)}.tmp-`;
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (pid === process.pid || !processAlive(pid))
      rmSync(join(parent, name), { recursive: true, force: true });
  }
}

export interface EnsureDemoOptions {
  dataDir: string;
  universe: Universe;
  scale: DemoScale;
  /** Symbols for the small scale (the run's default list); full uses the whole universe. */
  symbols: readonly string[];
  seed: number;
  /** Folder key when it is not the seed alone (a replay's fixtures: seed and first day). */
  key?: string;
  onProgress?: (done: number, total: number) => void;
}

export function demoFixturesDir(dataDir: string, scale: DemoScale, seed: number | string): string {
  return join(dataDir, "demo", `${scale}-${seed}`);
}

/**
 * Generate (once) and return the demo MetaStock sources. Yields to the event loop between
 * symbols so the rest of the run (REST, DXLink, the grid) keeps moving during a full-scale
 * generation.
 */
export async function ensureDemoFixtures(o: EnsureDemoOptions): Promise<DemoFixtures> {
  const started = performance.now();
  const root = demoFixturesDir(o.dataDir, o.scale, o.key ?? o.seed);
  const marker = join(root, "fixtures.json");
  const sourcesOf = (r: string) => [join(r, "stooq"), join(r, "metastock")];
  if (existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, "utf8")) as Omit<
      DemoFixtures,
      "root" | "sources" | "generated" | "seconds"
    >;
    return {
      ...m,
      root,
      sources: sourcesOf(root),
      generated: false,
      seconds: (performance.now() - started) / 1000,
    };
  }
  const symbols = o.scale === "full" ? [...o.universe.symbols] : o.symbols.filter((s) => o.universe.has(s));
  const sessions = o.universe.dailyBars(symbols[0] ?? "SPY")?.day.length ?? 756;
  const extraPerSymbol =
    o.scale === "full" ? Math.max(0, Math.floor(FULL_SCALE_ROWS / symbols.length) - sessions) : 0;
  const tmp = `${root}.tmp-${process.pid}`;
  removeDeadTemps(root);
  rmSync(tmp, { recursive: true, force: true });
  const textRoot = join(tmp, "stooq", "data", "daily", "us");
  const binDir = join(tmp, "metastock");
  mkdirSync(binDir, { recursive: true });
  const binary: WriterSecurity[] = [];
  // The binary database repeats the most recent year of a few symbols: cross-source duplicates.
  const binaryCount = Math.min(symbols.length, o.scale === "full" ? 50 : 4);
  let rows = 0;
  let scratch: WriterSeries | undefined;
  let textBuffer: Uint8Array | undefined;
  for (let i = 0; i < symbols.length; i++) {
    const sym = symbols[i]!;
    if (i % 8 === 7) await new Promise((r) => setTimeout(r, 0));
    // One set of columns and one text buffer for every symbol: a fresh ~13 MB per symbol was
    // ~6.6 GB of short-lived buffers over a full generation, hundreds of MB of them waiting for
    // the collector while the option pass runs beside it.
    const series = demoSeries(o.universe, sym, extraPerSymbol, o.seed, scratch);
    scratch = series;
    const market = i % 3 === 0 ? "nasdaq stocks" : i % 3 === 1 ? "nyse stocks" : "nysemkt stocks";
    const dir = join(textRoot, market, String(1 + Math.floor(i / 200)));
    mkdirSync(dir, { recursive: true });
    const text = encodeStooqText(sym, series, false, textBuffer);
    if (text.buffer !== textBuffer?.buffer) textBuffer = new Uint8Array(text.buffer);
    writeFileSync(join(dir, `${sym.toLowerCase().replace(/\//g, "-")}.us.txt`), text);
    rows += series.length;
    // A copy: `series` is overwritten by the next symbol.
    if (i < binaryCount) binary.push({ symbol: sym, period: "D", rows: tail(series, 252) });
    o.onProgress?.(i + 1, symbols.length);
  }
  let binaryRows = 0;
  for (const [name, data] of writeMetastockDb(binary)) writeFileSync(join(binDir, name), data);
  for (const b of binary) binaryRows += b.rows.length;
  const info = { symbols, rows, binaryRows };
  writeFileSync(join(tmp, "fixtures.json"), `${JSON.stringify(info)}\n`);
  fsyncPath(tmp);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, ".."), { recursive: true });
  renameSync(tmp, root);
  fsyncPath(join(root, ".."));
  return {
    ...info,
    root,
    sources: sourcesOf(root),
    generated: true,
    seconds: (performance.now() - started) / 1000,
  };
}
