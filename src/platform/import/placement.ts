/**
 * Merge planning and placement: the staged parts of each (period, symbol) become its folder's
 * files. Disjoint parts of a new symbol are renamed into place; overlapping parts, too many
 * small ones, or a symbol the previous dataset already holds are merged (or appended beside the
 * previous files) by the workers.
 */
import { renameSync } from "node:fs";
import { barsSymbolDir } from "../../core/bars.ts";
import type { Compression } from "../../core/compression.ts";
import { cancelledError, ioError } from "../../core/errors.ts";
import type { DatasetEntry } from "./output.ts";
import type { ParsePool } from "./pool.ts";
import type { MergeRequest, MergeResponse, WrittenPart } from "./types.ts";

/** Keys of the (period, symbol) maps. */
export const psKey = (period: string, symbol: string) => `${period}\u0000${symbol}`;

/** A (period, symbol) and what to do with its new parts. */
export type Placement =
  | { kind: "rename"; parts: WrittenPart[]; dir: string }
  | { kind: "merge"; symbol: string; period: string; request: Omit<MergeRequest, "id"> };

export interface PlacementOptions {
  staging: string;
  compression: Compression;
  compressionLevel: number;
  csv: boolean;
  durable: boolean;
}

/** Parts grouped by (period, symbol), in the order first seen. */
export function partsBySymbol(parts: readonly WrittenPart[]): Map<string, WrittenPart[]> {
  const bySymbol = new Map<string, WrittenPart[]>();
  for (const p of parts) {
    const k = psKey(p.period, p.symbol);
    const list = bySymbol.get(k);
    if (list) list.push(p);
    else bySymbol.set(k, [p]);
  }
  return bySymbol;
}

/**
 * Decide, per (period, symbol), rename or merge. Entries of `existing` this import touches are
 * removed from it (what remains is carried over unchanged).
 */
export function planPlacements(
  bySymbol: ReadonlyMap<string, WrittenPart[]>,
  existing: Map<string, DatasetEntry>,
  o: PlacementOptions,
): Placement[] {
  const out: Placement[] = [];
  for (const [k, list] of bySymbol) {
    const { period, symbol } = list[0]!;
    const dir = barsSymbolDir(o.staging, period, symbol);
    const prev = existing.get(k);
    existing.delete(k);
    list.sort((a, b) => a.priority - b.priority || (a.path < b.path ? -1 : 1));
    const byKey = [...list].sort((a, b) => a.minKey - b.minKey);
    const overlap = byKey.some((p, i) => i > 0 && p.minKey <= byKey[i - 1]!.maxKey);
    // Disjoint parts stay separate files; many small ones (an interleaved multi-symbol file) are
    // compacted, but never a large series (merging loads it whole: memory must stay bounded).
    const totalRows = list.reduce((a, p) => a + p.rows, 0);
    if (!prev && !overlap && (list.length <= 8 || totalRows > 4_000_000)) {
      out.push({ kind: "rename", parts: byKey, dir });
      continue;
    }
    out.push({
      kind: "merge",
      symbol,
      period,
      request: {
        type: "merge",
        parts: list.map((p) => p.path),
        existing: prev?.files ?? [],
        target: `${dir}/part-0.parquet`,
        // New parts that do not overlap each other may simply join the previous files when
        // they do not overlap those either (the daily-update case): no history rewrite.
        appendable: !overlap,
        newMinKey: byKey[0]!.minKey,
        newMaxKey: Math.max(...list.map((p) => p.maxKey)),
        compression: o.compression,
        compressionLevel: o.compressionLevel,
        csv: o.csv,
        durable: o.durable,
      },
    });
  }
  return out;
}

export interface PlacementResult {
  rows: number;
  duplicates: number;
  parquetFiles: number;
  replacedRows: number;
  replacedSymbols: number;
  appendedSymbols: number;
}

/** Carry the placements out: renames here, merges on the pool (all awaited). */
export async function applyPlacements(
  placements: readonly Placement[],
  pool: ParsePool,
  csv: boolean,
  signal?: AbortSignal,
): Promise<PlacementResult> {
  const r: PlacementResult = {
    rows: 0,
    duplicates: 0,
    parquetFiles: 0,
    replacedRows: 0,
    replacedSymbols: 0,
    appendedSymbols: 0,
  };
  const merges: Promise<void>[] = [];
  let mergeId = 0;
  for (const pl of placements) {
    if (pl.kind === "rename") {
      pl.parts.forEach((p, i) => {
        const target = `${pl.dir}/part-${i}.parquet`;
        renameSync(p.path, target);
        if (csv) renameSync(p.path.replace(/\.parquet$/, ".csv"), target.replace(/\.parquet$/, ".csv"));
        r.rows += p.rows;
        r.parquetFiles++;
      });
      continue;
    }
    merges.push(
      pool.run({ ...pl.request, id: mergeId++ }).then((res) => {
        const m = res as MergeResponse;
        if (m.failure) {
          throw ioError(`merging ${pl.symbol} (${pl.period}) failed: ${m.failure}`, {
            hint: "check free disk space",
          });
        }
        r.rows += m.newRows;
        r.duplicates += m.duplicates;
        r.parquetFiles += m.files;
        if (m.appended) r.appendedSymbols++;
        if (m.replaced > 0) {
          r.replacedRows += m.replaced;
          r.replacedSymbols++;
        }
      }),
    );
  }
  await Promise.all(merges).catch((e) => {
    if (signal?.aborted) throw cancelledError("import cancelled", { cause: signal.reason });
    throw e;
  });
  return r;
}
