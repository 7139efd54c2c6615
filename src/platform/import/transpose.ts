/**
 * Daily all-symbol files (one file per trading day, 10,000–20,000 symbols in each) hold a few rows
 * per symbol per file. Written as they are parsed, every symbol would get one tiny Parquet part
 * per task and then a merge of all of them (250 daily files × 20,000 symbols: ~600,000 parts).
 * Instead the workers hand such rows back (`sink.transpose`), they are gathered here per
 * (period, symbol) across every task, and sent back to the workers in symbol batches to be
 * written: one part per symbol for the whole import.
 *
 * Order: a symbol's rows are gathered in task order, and within a task in row order, i.e. in
 * input priority order, so the writer's "first occurrence wins" de-duplication is unchanged.
 * Memory: the gathered rows are held until written (~65 bytes a row, twice that while they are
 * regrouped); beyond `maxRows` they are written in rounds (a symbol then gets one part per
 * round, merged at placement if they overlap).
 */
import { allocBarArrays, BAR_ARRAY_NAMES } from "../../core/bars.ts";
import type { GatheredRows, ParseTask } from "./types.ts";

/** Rows gathered before they are written in a round (~400 MB, ~800 MB while regrouped). */
export const DEFAULT_TRANSPOSE_ROWS = 6_000_000;

export class Transposer {
  private chunks: { taskId: number; rows: GatheredRows }[] = [];
  rows = 0;

  add(taskId: number, rows: GatheredRows): void {
    this.chunks.push({ taskId, rows });
    this.rows += rows.columns.length;
  }

  /**
   * Take every gathered row, grouped per (period, symbol), as write tasks of contiguous symbol
   * ranges (about `batches` of them, for the pool to share), with ids from `firstId` on.
   */
  take(firstId: number, batches: number): Extract<ParseTask, { kind: "gathered" }>[] {
    const chunks = this.chunks.sort((a, b) => a.taskId - b.taskId);
    const total = this.rows;
    this.chunks = [];
    this.rows = 0;
    if (total === 0) return [];

    // One source table for all chunks; every row's group id (first seen = lower id).
    const sources: GatheredRows["sources"] = [];
    const sourceBase: number[] = [];
    const ids = new Map<string, number>();
    const groupSymbol: string[] = [];
    const rowGroup: Int32Array[] = [];
    for (const { rows } of chunks) {
      sourceBase.push(sources.length);
      sources.push(...rows.sources);
      const c = rows.columns;
      const local = new Map<number, number>();
      const g = new Int32Array(c.length);
      for (let i = 0; i < c.length; i++) {
        const lk = c.symbolIndex[i]! * 256 + c.period[i]!;
        let id = local.get(lk);
        if (id === undefined) {
          const symbol = c.symbols[c.symbolIndex[i]!]!;
          const key = `${c.period[i]}\u0000${symbol}`;
          id = ids.get(key);
          if (id === undefined) {
            id = groupSymbol.length;
            ids.set(key, id);
            groupSymbol.push(symbol);
          }
          local.set(lk, id);
        }
        g[i] = id;
      }
      rowGroup.push(g);
    }

    // Rows per group, then contiguous group ranges of about total / batches rows each.
    const groups = groupSymbol.length;
    const start = new Int32Array(groups + 1);
    for (const g of rowGroup) for (let i = 0; i < g.length; i++) start[g[i]! + 1]!++;
    for (let k = 0; k < groups; k++) start[k + 1]! += start[k]!;
    const want = Math.max(1, Math.ceil(total / Math.max(1, batches)));
    const batchOf = new Int32Array(groups);
    const bounds: number[] = [0]; // first group of each batch, then `groups`
    for (let k = 0; k < groups; k++) {
      if (start[k]! - start[bounds[bounds.length - 1]!]! >= want) bounds.push(k);
      batchOf[k] = bounds.length - 1;
    }
    bounds.push(groups);

    const out = bounds.slice(0, -1).map((g0, b) => {
      const g1 = bounds[b + 1]!;
      const n = start[g1]! - start[g0]!;
      const symbols: string[] = [];
      const dict = new Map<string, number>();
      const symbolOf = new Int32Array(g1 - g0);
      for (let k = g0; k < g1; k++) {
        const s = groupSymbol[k]!;
        let d = dict.get(s);
        if (d === undefined) {
          d = symbols.length;
          dict.set(s, d);
          symbols.push(s);
        }
        symbolOf[k - g0] = d;
      }
      return { g0, arrays: allocBarArrays(n), rowSource: new Int32Array(n), symbols, symbolOf, rows: n };
    });

    // Scatter every row to its group's next slot (chunks in task order: priority order kept).
    // Each chunk is let go once scattered (the batches exist already: the peak is two copies of
    // the rows, only while this runs).
    const cursor = start.slice(0, groups);
    const pending: ({ rows: GatheredRows } | null)[] = chunks;
    pending.forEach((chunk, ci) => {
      const rows = chunk!.rows;
      pending[ci] = null;
      const c = rows.columns;
      const g = rowGroup[ci]!;
      const base = sourceBase[ci]!;
      const toBatch = new Int32Array(c.length);
      const toRow = new Int32Array(c.length);
      for (let i = 0; i < c.length; i++) {
        const k = g[i]!;
        const b = out[batchOf[k]!]!;
        const at = cursor[k]!++ - start[b.g0]!;
        toBatch[i] = batchOf[k]!;
        toRow[i] = at;
        b.arrays.symbolIndex[at] = b.symbolOf[k - b.g0]!;
        b.rowSource[at] = base + rows.rowSource[i]!;
      }
      // Column by column (one typed-array type per loop).
      for (const name of BAR_ARRAY_NAMES) {
        if (name === "symbolIndex") continue;
        const from = c[name];
        const to = out.map((b) => b.arrays[name]);
        for (let i = 0; i < c.length; i++) to[toBatch[i]!]![toRow[i]!] = from[i]!;
      }
      rowGroup[ci] = new Int32Array(0);
    });

    return out.map((b, j) => ({
      kind: "gathered" as const,
      id: firstId + j,
      rows: {
        columns: { length: b.rows, symbols: b.symbols, ...b.arrays },
        rowSource: b.rowSource,
        sources,
      },
    }));
  }
}
