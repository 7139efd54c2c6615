/**
 * A bar part that grew: the lake's bars publish and a daily import extend a symbol's newest part
 * (its "daily part", a few thousand rows at most) instead of adding one file per day. For the
 * statistics state that file has changed, yet usually only by sessions appended after the last bar
 * the state covers. To tell that from a correction of the past without keeping the rows, the state
 * stores for each small part a digest of its rows (and their count): a grown part whose rows up to
 * the state's last date still give the same digest only appended the rest. Anything else — a
 * changed price, an added or removed old row, a reordered file — fails the digest and the symbol
 * is recomputed in full, as before.
 */
import type { PriceSeries } from "../../stats/index.ts";
import type { FileStamp } from "./state-store.ts";

/** Parts up to this size carry a digest (a daily part of 2,520 sessions is ~100 KB). */
export const DIGEST_MAX_BYTES = 512 * 1024;

/** Digest of a part's rows as the statistics read them (date, open, high, low, close). */
export function seriesDigest(s: PriceSeries): string {
  let h: number | bigint = 0;
  for (const a of [s.date, s.open, s.high, s.low, s.close]) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    h = Bun.hash.wyhash(bytes, BigInt(h));
  }
  return h.toString(16);
}

/** Rows of `s` whose index passes `keep`, in order. */
function pick(s: PriceSeries, keep: (i: number) => boolean): PriceSeries {
  const idx: number[] = [];
  for (let i = 0; i < s.date.length; i++) if (keep(i)) idx.push(i);
  const take = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
    const out = make(idx.length);
    for (let j = 0; j < idx.length; j++) out[j] = a[idx[j]!]!;
    return out;
  };
  const f64 = (n: number) => new Float64Array(n);
  return {
    date: take(s.date, (n) => new Int32Array(n)),
    open: take(s.open, f64),
    high: take(s.high, f64),
    low: take(s.low, f64),
    close: take(s.close, f64),
  };
}

/**
 * The rows a grown part added after `lastDate`, when its rows up to `lastDate` are exactly the
 * ones the stored stamp digested; else the reason the symbol needs a full recompute.
 */
export function appendedRows(stored: FileStamp, now: PriceSeries, lastDate: number): PriceSeries | string {
  const old = pick(now, (i) => now.date[i]! <= lastDate);
  if (old.date.length !== stored.rows || seriesDigest(old) !== stored.digest)
    return `part ${stored.name} changed before its last session`;
  return pick(now, (i) => now.date[i]! > lastDate);
}

/** The stamp with the digest of the rows it holds, when the part is small enough to carry one. */
export function digested(stamp: FileStamp, rows: PriceSeries): FileStamp {
  if (stamp.size > DIGEST_MAX_BYTES) return stamp;
  return { ...stamp, rows: rows.date.length, digest: seriesDigest(rows) };
}

export function concatSeries(parts: readonly PriceSeries[]): PriceSeries {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((a, p) => a + p.date.length, 0);
  const out: PriceSeries = {
    date: new Int32Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
  };
  let off = 0;
  for (const p of parts) {
    out.date.set(p.date, off);
    out.open.set(p.open, off);
    out.high.set(p.high, off);
    out.low.set(p.low, off);
    out.close.set(p.close, off);
    off += p.date.length;
  }
  return out;
}
