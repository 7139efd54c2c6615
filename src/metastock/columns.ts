/**
 * Growable typed-array columns for parsed bars (the `BarColumns` shape from core). Parsers append
 * into these without allocating per-row objects; `finish()` hands out the filled prefix.
 * Symbols are dictionary-encoded so a 57k-row file of one ticker costs one string.
 */
import type { BarColumns } from "../core/bars.ts";

export class BarColumnsBuilder {
  length = 0;
  capacity: number;
  readonly symbols: string[] = [];
  private readonly symbolIds = new Map<string, number>();
  symbolIndex: Int32Array;
  period: Uint8Array;
  date: Int32Array;
  time: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  openint: Float64Array;

  constructor(initialCapacity = 1024) {
    const c = Math.max(16, initialCapacity | 0);
    this.capacity = c;
    this.symbolIndex = new Int32Array(c);
    this.period = new Uint8Array(c);
    this.date = new Int32Array(c);
    this.time = new Int32Array(c);
    this.open = new Float64Array(c);
    this.high = new Float64Array(c);
    this.low = new Float64Array(c);
    this.close = new Float64Array(c);
    this.volume = new Float64Array(c);
    this.openint = new Float64Array(c);
  }

  /**
   * A builder over recycled buffers (e.g. columns a consumer handed back after use): views of any
   * length are widened to their whole ArrayBuffer, so the capacity is what was allocated.
   */
  static fromBuffers(c: BarColumns): BarColumnsBuilder {
    const b = new BarColumnsBuilder(16);
    const cap = c.open.buffer.byteLength / 8;
    b.capacity = cap;
    b.symbolIndex = new Int32Array(c.symbolIndex.buffer, 0, cap);
    b.period = new Uint8Array(c.period.buffer, 0, cap);
    b.date = new Int32Array(c.date.buffer, 0, cap);
    b.time = new Int32Array(c.time.buffer, 0, cap);
    b.open = new Float64Array(c.open.buffer, 0, cap);
    b.high = new Float64Array(c.high.buffer, 0, cap);
    b.low = new Float64Array(c.low.buffer, 0, cap);
    b.close = new Float64Array(c.close.buffer, 0, cap);
    b.volume = new Float64Array(c.volume.buffer, 0, cap);
    b.openint = new Float64Array(c.openint.buffer, 0, cap);
    return b;
  }

  /** Dictionary id for a symbol (adds it on first sight). */
  symbolId(symbol: string): number {
    let id = this.symbolIds.get(symbol);
    if (id === undefined) {
      id = this.symbols.length;
      this.symbols.push(symbol);
      this.symbolIds.set(symbol, id);
    }
    return id;
  }

  /** Empty the builder but keep its buffers (for reuse across files: no fresh pages to fault in). */
  reset(): void {
    this.length = 0;
    this.symbols.length = 0;
    this.symbolIds.clear();
  }

  /** Make room for `extra` more rows. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.capacity) return;
    let c = this.capacity * 2;
    while (c < need) c *= 2;
    this.capacity = c;
    this.symbolIndex = grow(this.symbolIndex, c, Int32Array);
    this.period = grow(this.period, c, Uint8Array);
    this.date = grow(this.date, c, Int32Array);
    this.time = grow(this.time, c, Int32Array);
    this.open = grow(this.open, c, Float64Array);
    this.high = grow(this.high, c, Float64Array);
    this.low = grow(this.low, c, Float64Array);
    this.close = grow(this.close, c, Float64Array);
    this.volume = grow(this.volume, c, Float64Array);
    this.openint = grow(this.openint, c, Float64Array);
  }

  /** Columns trimmed to `length` (copies, so the result owns exactly-sized transferable buffers). */
  finish(): BarColumns {
    const n = this.length;
    return {
      length: n,
      symbols: this.symbols.slice(),
      symbolIndex: this.symbolIndex.slice(0, n),
      period: this.period.slice(0, n),
      date: this.date.slice(0, n),
      time: this.time.slice(0, n),
      open: this.open.slice(0, n),
      high: this.high.slice(0, n),
      low: this.low.slice(0, n),
      close: this.close.slice(0, n),
      volume: this.volume.slice(0, n),
      openint: this.openint.slice(0, n),
    };
  }
}

type TypedCtor<T> = new (n: number) => T;
function grow<T extends { set(a: ArrayLike<number>): void } & ArrayLike<number>>(
  a: T,
  n: number,
  C: TypedCtor<T>,
): T {
  const b = new C(n);
  b.set(a);
  return b;
}

/**
 * Columns as views over the builder's own buffers (no copy): for handing to another thread in a
 * postMessage transfer list. The builder must not be used afterwards.
 */
export function shareColumns(b: BarColumnsBuilder): BarColumns {
  const n = b.length;
  return {
    length: n,
    symbols: b.symbols.slice(),
    symbolIndex: b.symbolIndex.subarray(0, n),
    period: b.period.subarray(0, n),
    date: b.date.subarray(0, n),
    time: b.time.subarray(0, n),
    open: b.open.subarray(0, n),
    high: b.high.subarray(0, n),
    low: b.low.subarray(0, n),
    close: b.close.subarray(0, n),
    volume: b.volume.subarray(0, n),
    openint: b.openint.subarray(0, n),
  };
}

/** An empty BarColumns. */
export function emptyColumns(): BarColumns {
  return new BarColumnsBuilder(16).finish();
}

/** The transferable buffers of a BarColumns (for postMessage's transfer list). */
export function columnBuffers(c: BarColumns): ArrayBuffer[] {
  return [c.symbolIndex, c.period, c.date, c.time, c.open, c.high, c.low, c.close, c.volume, c.openint].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
