/**
 * Typed column buffers for one event type, filled straight from decoded COMPACT batches (no
 * per-event objects): numeric fields go to growable Float64Arrays with NaN as "no value", text and
 * boolean fields are dictionary-encoded (Int32 codes into a small value table: symbols, exchange
 * codes and enums repeat endlessly). `receivedAt` (local receive time, ms) is added to every row
 * because DXLink's own `eventTime` is often 0.
 *
 * The server may change a type's field list mid-stream (a new FEED_CONFIG): a column that appears
 * later is back-filled with nulls, one that disappears is padded, so rows never mis-align.
 */
import { type CompactBatch, fieldKind, toBool, toNumber, toText } from "../../client/index.ts";

export type ColumnKind = "number" | "dict";

export interface BuiltColumn {
  name: string;
  kind: ColumnKind;
  /** number: values (NaN = null). */
  numbers?: Float64Array;
  /** dict: codes into `dictionary` (-1 never occurs; null is a dictionary entry). */
  codes?: Int32Array;
  dictionary?: (string | boolean | null)[];
  /** dict: whether the values are booleans (else text). */
  isBool?: boolean;
}

class NumberColumn {
  data: Float64Array;
  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }
}

class DictColumn {
  codes: Int32Array;
  dictionary: (string | boolean | null)[] = [];
  private index = new Map<string | boolean | null, number>();
  /** Start a new value table (the codes already handed out stay valid for the old one). */
  reset(): void {
    this.dictionary = [];
    this.index = new Map();
  }
  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
  }
  code(v: string | boolean | null): number {
    let c = this.index.get(v);
    if (c === undefined) {
      c = this.dictionary.length;
      this.dictionary.push(v);
      this.index.set(v, c);
    }
    return c;
  }
}

type Col =
  | { name: string; kind: "number"; col: NumberColumn; isBool: false }
  | { name: string; kind: "dict"; col: DictColumn; isBool: boolean };

export class EventColumns {
  readonly type: string;
  rows = 0;
  private capacity: number;
  private readonly cols = new Map<string, Col>();
  private readonly order: string[] = [];
  private receivedAt: Float64Array;
  /** Cache: the last field list seen → column slots, so steady-state appends skip the lookups. */
  private lastFields: readonly string[] | null = null;
  private lastSlots: Col[] = [];

  constructor(type: string, initialCapacity = 4096) {
    this.type = type;
    this.capacity = initialCapacity;
    this.receivedAt = new Float64Array(initialCapacity);
  }

  append(batch: CompactBatch, receivedAt: number): void {
    const n = batch.count;
    if (n === 0) return;
    this.ensureCapacity(this.rows + n);
    const slots = this.slotsFor(batch.fields);
    const width = batch.fields.length;
    const values = batch.values;
    const base = this.rows;
    for (let f = 0; f < width; f++) {
      const slot = slots[f]!;
      if (slot.kind === "number") {
        const out = slot.col.data;
        for (let e = 0, i = f; e < n; e++, i += width) {
          const v = values[i];
          out[base + e] = typeof v === "number" ? v : (toNumber(v) ?? Number.NaN);
        }
      } else {
        const out = slot.col.codes;
        const dict = slot.col;
        if (slot.isBool) {
          for (let e = 0, i = f; e < n; e++, i += width) out[base + e] = dict.code(toBool(values[i]));
        } else {
          // Consecutive repeats (same symbol in a row) skip the map lookup.
          let prev: unknown = Symbol.for("none");
          let prevCode = 0;
          for (let e = 0, i = f; e < n; e++, i += width) {
            const v = values[i];
            if (v !== prev) {
              prev = v;
              prevCode = dict.code(toText(v));
            }
            out[base + e] = prevCode;
          }
        }
      }
    }
    // Columns this batch does not carry: null for its rows.
    if (this.cols.size > width) {
      const present = new Set(slots);
      for (const c of this.cols.values()) {
        if (present.has(c)) continue;
        if (c.kind === "number") c.col.data.fill(Number.NaN, base, base + n);
        else c.col.codes.fill(c.col.code(null), base, base + n);
      }
    }
    this.receivedAt.fill(receivedAt, base, base + n);
    this.rows += n;
  }

  private slotsFor(fields: readonly string[]): Col[] {
    if (fields === this.lastFields) return this.lastSlots;
    const slots = fields.map((name) => {
      let c = this.cols.get(name);
      if (!c) {
        const kind = fieldKind(this.type, name);
        c =
          kind === "number"
            ? { name, kind: "number", col: new NumberColumn(this.capacity), isBool: false }
            : { name, kind: "dict", col: new DictColumn(this.capacity), isBool: kind === "boolean" };
        // Rows before this column existed: null.
        if (c.kind === "number") c.col.data.fill(Number.NaN, 0, this.rows);
        else c.col.codes.fill(c.col.code(null), 0, this.rows);
        this.cols.set(name, c);
        this.order.push(name);
      }
      return c;
    });
    this.lastFields = fields;
    this.lastSlots = slots;
    return slots;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    let cap = this.capacity;
    while (cap < needed) cap *= 2;
    for (const c of this.cols.values()) {
      if (c.kind === "number") {
        const d = new Float64Array(cap);
        d.set(c.col.data.subarray(0, this.rows));
        c.col.data = d;
      } else {
        const d = new Int32Array(cap);
        d.set(c.col.codes.subarray(0, this.rows));
        c.col.codes = d;
      }
    }
    const r = new Float64Array(cap);
    r.set(this.receivedAt.subarray(0, this.rows));
    this.receivedAt = r;
    this.capacity = cap;
  }

  /**
   * The buffered rows as columns; the buffer is then empty, with fresh columns. With `copy` false the
   * arrays themselves are handed over (e.g. transferred to a worker) and new ones are allocated.
   */
  take(copy = true): { rows: number; receivedAt: Float64Array; columns: BuiltColumn[] } {
    const out = this.drain((t) =>
      copy
        ? {
            rows: t.rows,
            receivedAt: t.receivedAt.slice(),
            columns: t.columns.map((c) =>
              c.kind === "number"
                ? { ...c, numbers: c.numbers!.slice() }
                : { ...c, codes: c.codes!.slice(), dictionary: c.dictionary!.slice() },
            ),
          }
        : t,
    );
    this.cols.clear();
    this.order.length = 0;
    this.lastFields = null;
    this.lastSlots = [];
    if (!copy) this.receivedAt = new Float64Array(this.capacity);
    return out;
  }

  /**
   * Hand the buffered rows to `use` as views (no copies) and then empty the buffer, keeping its
   * arrays for the next rows: `use` must copy what it keeps before returning (building a polars
   * DataFrame does). Columns stay (a column absent from later batches is null there); dictionaries
   * restart so each file's value table holds only its own values.
   */
  drain<T>(use: (t: { rows: number; receivedAt: Float64Array; columns: BuiltColumn[] }) => T): T {
    const rows = this.rows;
    const columns: BuiltColumn[] = this.order.map((name) => {
      const c = this.cols.get(name)!;
      if (c.kind === "number") return { name, kind: "number", numbers: c.col.data.subarray(0, rows) };
      return {
        name,
        kind: "dict",
        codes: c.col.codes.subarray(0, rows),
        dictionary: c.col.dictionary,
        isBool: c.isBool,
      };
    });
    const result = use({ rows, receivedAt: this.receivedAt.subarray(0, rows), columns });
    this.rows = 0;
    for (const c of this.cols.values()) if (c.kind === "dict") c.col.reset();
    return result;
  }
}
