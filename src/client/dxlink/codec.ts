/**
 * Pure FEED_DATA codec. COMPACT data is `[type, values, type, values, …]` where each `values` array
 * holds N events back to back, each `fields.length` long, `fields` being the list the SERVER sent in
 * its latest FEED_CONFIG for that type (never the list we requested). Every pair is decoded, a pair
 * whose length is not a multiple of the field count is rejected as a whole (mis-aligned columns would
 * be silent corruption), JSONDouble strings ("NaN", "Infinity", "-Infinity") become null, and so
 * does "NaN" in a text field (the wire's "no value" for every kind).
 *
 * Decoding is zero-copy: a `CompactBatch` keeps a reference to the parsed values array; typed views
 * (`batchToEvents`, `batchToColumns`) are built on demand.
 */
import { type DxEvent, type FieldKind, fieldKind } from "./events.ts";

export interface CompactBatch {
  type: string;
  /** The server's field list this batch was decoded with. */
  fields: readonly string[];
  /** Flat values, `count * fields.length` long (a reference into the parsed message). */
  values: readonly unknown[];
  /** Number of events in the batch. */
  count: number;
}

export type FieldsLookup = (type: string) => readonly string[] | undefined;

export interface DecodeResult {
  batches: CompactBatch[];
  /** Pairs whose type has no server field list yet: hold them until FEED_CONFIG brings it. */
  pending: { type: string; values: unknown[] }[];
  /** Pairs that cannot be decoded (wrong shape, length not a multiple of the field count). */
  rejected: { type: string; reason: string }[];
}

/** Decode COMPACT `data`, looping over every `[type, values]` pair. */
export function decodeCompactData(data: unknown, fieldsFor: FieldsLookup): DecodeResult {
  const out: DecodeResult = { batches: [], pending: [], rejected: [] };
  if (!Array.isArray(data)) {
    out.rejected.push({ type: "?", reason: "COMPACT data is not an array" });
    return out;
  }
  if (data.length % 2 !== 0)
    out.rejected.push({ type: "?", reason: `COMPACT data has an odd length ${data.length}` });
  for (let i = 0; i + 1 < data.length; i += 2) {
    const type = data[i];
    const values = data[i + 1];
    if (typeof type !== "string" || !Array.isArray(values)) {
      out.rejected.push({ type: String(type), reason: `pair ${i / 2} is not [type, values]` });
      continue;
    }
    const fields = fieldsFor(type);
    if (!fields) {
      out.pending.push({ type, values });
      continue;
    }
    const batch = decodePair(type, values, fields);
    if (typeof batch === "string") out.rejected.push({ type, reason: batch });
    else out.batches.push(batch);
  }
  return out;
}

/** One `[type, values]` pair with a known field list: a batch, or the reason it is rejected. */
export function decodePair(
  type: string,
  values: unknown[],
  fields: readonly string[],
): CompactBatch | string {
  const width = fields.length;
  if (width === 0) return `${type}: the server's field list is empty`;
  if (values.length % width !== 0) {
    return `${type}: ${values.length} values is not a multiple of ${width} fields`;
  }
  return { type, fields, values, count: values.length / width };
}

/**
 * FULL data (`[{eventType, eventSymbol, …}, …]`) regrouped into one batch per event type. An event
 * without `eventType` (a client that did not request the field) takes `defaultType`, the type its
 * channel carries, when there is one.
 */
export function decodeFullData(data: unknown, defaultType?: string): DecodeResult {
  const out: DecodeResult = { batches: [], pending: [], rejected: [] };
  if (!Array.isArray(data)) {
    out.rejected.push({ type: "?", reason: "FULL data is not an array" });
    return out;
  }
  const groups = new Map<
    string,
    { fields: string[]; index: Map<string, number>; rows: Record<string, unknown>[] }
  >();
  for (const ev of data) {
    const declared =
      ev !== null && typeof ev === "object" ? (ev as { eventType?: unknown }).eventType : undefined;
    const type = typeof declared === "string" ? declared : defaultType;
    if (ev === null || typeof ev !== "object" || type === undefined) {
      out.rejected.push({ type: "?", reason: "FULL event without eventType" });
      continue;
    }
    const row = ev as Record<string, unknown>;
    let g = groups.get(type);
    if (!g) {
      g = { fields: [], index: new Map(), rows: [] };
      groups.set(type, g);
    }
    for (const k of Object.keys(row)) {
      if (!g.index.has(k)) {
        g.index.set(k, g.fields.length);
        g.fields.push(k);
      }
    }
    g.rows.push(row);
  }
  for (const [type, g] of groups) {
    const width = g.fields.length;
    // Empty fields are omitted in FULL: absent means missing, i.e. null.
    const values = new Array<unknown>(g.rows.length * width).fill(null);
    for (let r = 0; r < g.rows.length; r++) {
      const row = g.rows[r]!;
      for (const [k, v] of Object.entries(row)) values[r * width + g.index.get(k)!] = v;
    }
    out.batches.push({ type, fields: g.fields, values, count: g.rows.length });
  }
  return out;
}

/** JSONDouble → number or null ("NaN", "Infinity", "-Infinity", null and junk are all "no value"). */
export function toNumber(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string") {
    if (v === "NaN" || v === "Infinity" || v === "-Infinity" || v === "") return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * A text field's value or null. The wire has no null: a value the event does not have travels as
 * "NaN" whatever its kind (core/dxlink-compact.ts), so "NaN" in a text field is "no value", never
 * the text — else a missing exchange code reached Parquet as the string "NaN".
 */
export function toText(v: unknown): string | null {
  if (typeof v === "string") return v === "NaN" ? null : v;
  if (v === null || v === undefined) return null;
  return String(v);
}

export function toBool(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return null;
}

export function kindsOf(type: string, fields: readonly string[]): FieldKind[] {
  return fields.map((f) => fieldKind(type, f));
}

/** Plain objects, one per event (convenient, not the fast path). */
export function batchToEvents(batch: CompactBatch): DxEvent[] {
  const { fields, values, count, type } = batch;
  const width = fields.length;
  const kinds = kindsOf(type, fields);
  const out: DxEvent[] = new Array(count);
  for (let e = 0; e < count; e++) {
    const base = e * width;
    const ev: Record<string, number | string | boolean | null> = { eventType: type, eventSymbol: "" };
    for (let f = 0; f < width; f++) {
      const v = values[base + f];
      const k = kinds[f];
      ev[fields[f]!] = k === "number" ? toNumber(v) : k === "boolean" ? toBool(v) : toText(v);
    }
    if (ev.eventType === null) ev.eventType = type;
    out[e] = ev as DxEvent;
  }
  return out;
}

/** Typed columns of a batch: numbers in Float64Array with NaN meaning "no value". */
export type Column = Float64Array | (string | null)[] | (boolean | null)[];
export interface ColumnarBatch {
  type: string;
  count: number;
  fields: readonly string[];
  kinds: FieldKind[];
  columns: Column[];
}

export function batchToColumns(batch: CompactBatch): ColumnarBatch {
  const { fields, values, count, type } = batch;
  const width = fields.length;
  const kinds = kindsOf(type, fields);
  const columns: Column[] = kinds.map((k) =>
    k === "number" ? new Float64Array(count) : (new Array(count) as (string | null)[] | (boolean | null)[]),
  );
  for (let f = 0; f < width; f++) {
    const col = columns[f]!;
    const k = kinds[f];
    if (k === "number") {
      const arr = col as Float64Array;
      for (let e = 0, i = f; e < count; e++, i += width) {
        const v = values[i];
        arr[e] = typeof v === "number" ? v : (toNumber(v) ?? Number.NaN);
      }
    } else if (k === "boolean") {
      const arr = col as (boolean | null)[];
      for (let e = 0, i = f; e < count; e++, i += width) arr[e] = toBool(values[i]);
    } else {
      const arr = col as (string | null)[];
      for (let e = 0, i = f; e < count; e++, i += width) arr[e] = toText(values[i]);
    }
  }
  return { type, count, fields, kinds, columns };
}
