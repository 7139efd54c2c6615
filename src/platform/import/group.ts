/**
 * Split parsed columns into (symbol, period) groups, each in ascending (date, time) order with
 * duplicates removed (first occurrence wins, i.e. the earlier line / input). Files are almost
 * always one symbol in ascending order, so the fast path is a single check pass and no copies.
 */

export interface ColumnsView {
  length: number;
  symbolIndex: Int32Array;
  period: Uint8Array;
  date: Int32Array;
  time: Int32Array;
}

export interface RowGroup {
  symbolId: number;
  period: number;
  /** Row indices in output order; null means the contiguous rows [start, end) in order. */
  index: Int32Array | null;
  start: number;
  end: number;
  rows: number;
  duplicates: number;
  /** Rows that arrived out of ascending order (before sorting). */
  unordered: number;
  minKey: number;
  maxKey: number;
}

/** Sort key of a bar: date-major, then time (no time sorts first). Exact in float64. */
export function barKey(date: number, time: number): number {
  return date * 1_000_000 + (time < 0 ? 0 : time + 1);
}

export function groupRows(c: ColumnsView, start = 0, end = c.length): RowGroup[] {
  if (end <= start) return [];
  const s0 = c.symbolIndex[start]!;
  const p0 = c.period[start]!;
  let single = true;
  for (let i = start + 1; i < end; i++) {
    if (c.symbolIndex[i] !== s0 || c.period[i] !== p0) {
      single = false;
      break;
    }
  }
  if (single) return [orderGroup(c, s0, p0, null, start, end)];

  // Rows in runs, each (symbol, period) in one run (per-symbol files accumulated one after
  // another): every group is a contiguous range, no index.
  const runs = contiguousRuns(c, start, end);
  if (runs)
    return runs.map(([from, to]) => orderGroup(c, c.symbolIndex[from]!, c.period[from]!, null, from, to));

  // General case: bucket row indices by (symbol, period), keeping input order inside a bucket.
  const buckets = new Map<number, number[]>();
  for (let i = start; i < end; i++) {
    const k = c.symbolIndex[i]! * 256 + c.period[i]!;
    let b = buckets.get(k);
    if (!b) {
      b = [];
      buckets.set(k, b);
    }
    b.push(i);
  }
  const out: RowGroup[] = [];
  for (const [k, rows] of buckets) {
    out.push(orderGroup(c, Math.floor(k / 256), k % 256, Int32Array.from(rows), 0, rows.length));
  }
  return out;
}

/** [from, to) runs of one (symbol, period) each, or null when a (symbol, period) has two runs. */
function contiguousRuns(c: ColumnsView, start: number, end: number): [number, number][] | null {
  const runs: [number, number][] = [];
  const seen = new Set<number>();
  let from = start;
  for (let i = start + 1; i <= end; i++) {
    if (i < end && c.symbolIndex[i] === c.symbolIndex[from] && c.period[i] === c.period[from]) continue;
    const k = c.symbolIndex[from]! * 256 + c.period[from]!;
    if (seen.has(k)) return null;
    seen.add(k);
    runs.push([from, i]);
    from = i;
  }
  return runs;
}

function orderGroup(
  c: ColumnsView,
  symbolId: number,
  period: number,
  idx: Int32Array | null,
  start: number,
  end: number,
): RowGroup {
  const at = (j: number) => (idx ? idx[j]! : j);
  let prev = Number.NEGATIVE_INFINITY;
  let sorted = true;
  let unordered = 0;
  for (let j = start; j < end; j++) {
    const r = at(j);
    const k = barKey(c.date[r]!, c.time[r]!);
    if (k <= prev) {
      sorted = false;
      if (k < prev) unordered++;
    }
    if (k > prev) prev = k;
  }
  if (sorted) {
    return {
      symbolId,
      period,
      index: idx,
      start,
      end,
      rows: end - start,
      duplicates: 0,
      unordered: 0,
      minKey: barKey(c.date[at(start)]!, c.time[at(start)]!),
      maxKey: prev,
    };
  }
  // Stable sort by key (ties keep input order), then keep the first row of each key.
  const n = end - start;
  const order = new Int32Array(n);
  const keys = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const r = at(start + j);
    order[j] = r;
    keys[j] = barKey(c.date[r]!, c.time[r]!);
  }
  const pos = new Int32Array(n);
  for (let j = 0; j < n; j++) pos[j] = j;
  pos.sort((a, b) => keys[a]! - keys[b]! || a - b);
  const kept: number[] = [];
  let last = Number.NaN;
  for (let j = 0; j < n; j++) {
    const k = keys[pos[j]!]!;
    if (k === last) continue;
    last = k;
    kept.push(order[pos[j]!]!);
  }
  const index = Int32Array.from(kept);
  return {
    symbolId,
    period,
    index,
    start: 0,
    end: index.length,
    rows: index.length,
    duplicates: n - index.length,
    unordered,
    minKey: barKey(c.date[index[0]!]!, c.time[index[0]!]!),
    maxKey: barKey(c.date[index[index.length - 1]!]!, c.time[index[index.length - 1]!]!),
  };
}
