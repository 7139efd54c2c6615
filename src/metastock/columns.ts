/**
 * Growable typed-array columns for parsed bars (the `BarColumns` shape from core). Parsers append
 * into these without allocating per-row objects; `finish()` hands out the filled prefix.
 * Symbols are dictionary-encoded so a 57k-row file of one ticker costs one string.
 */
import {
  allocBarArrays,
  BAR_ARRAY_NAMES,
  type BarArray,
  type BarArrays,
  type BarColumns,
  mapBarArrays,
  viewBarArrays,
} from "../core/bars.ts";

/**
 * The column fields are BarArrays' (core/bars.ts): `implements` checks the declarations below
 * against it, and every allocation, growth and copy loops over its names, so no column can be
 * forgotten in one of them.
 */
export class BarColumnsBuilder implements BarArrays {
  length = 0;
  capacity: number;
  readonly symbols: string[] = [];
  private readonly symbolIds = new Map<string, number>();
  declare symbolIndex: Int32Array;
  declare period: Uint8Array;
  declare date: Int32Array;
  declare time: Int32Array;
  declare open: Float64Array;
  declare high: Float64Array;
  declare low: Float64Array;
  declare close: Float64Array;
  declare volume: Float64Array;
  declare openint: Float64Array;

  constructor(initialCapacity = 1024) {
    const c = Math.max(16, initialCapacity | 0);
    this.capacity = c;
    this.setArrays(allocBarArrays(c));
  }

  private setArrays(a: BarArrays): void {
    for (const k of BAR_ARRAY_NAMES) (this as Record<keyof BarArrays, BarArray>)[k] = a[k];
  }

  /**
   * A builder over recycled buffers (e.g. columns a consumer handed back after use): views of any
   * length are widened to their whole ArrayBuffer, so the capacity is what was allocated.
   */
  static fromBuffers(c: BarColumns): BarColumnsBuilder {
    const b = new BarColumnsBuilder(16);
    const cap = c.open.buffer.byteLength / 8;
    b.capacity = cap;
    b.setArrays(viewBarArrays(c, cap));
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
    const bigger = allocBarArrays(c);
    for (const k of BAR_ARRAY_NAMES) bigger[k].set(this[k]);
    this.setArrays(bigger);
  }

  /** Columns trimmed to `length` (copies, so the result owns exactly-sized transferable buffers). */
  finish(): BarColumns {
    const n = this.length;
    return {
      length: n,
      symbols: this.symbols.slice(),
      ...mapBarArrays(this, (a) => a.slice(0, n) as typeof a),
    };
  }
}

/**
 * Columns as views over the builder's own buffers (no copy): for handing to another thread in a
 * postMessage transfer list. The builder must not be used afterwards.
 */
export function shareColumns(b: BarColumnsBuilder): BarColumns {
  const n = b.length;
  return { length: n, symbols: b.symbols.slice(), ...mapBarArrays(b, (a) => a.subarray(0, n) as typeof a) };
}

/** The transferable buffers of a BarColumns (for postMessage's transfer list). */
export function columnBuffers(c: BarColumns): ArrayBuffer[] {
  return BAR_ARRAY_NAMES.map((k) => c[k].buffer as ArrayBuffer);
}
