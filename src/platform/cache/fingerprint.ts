/**
 * Content fingerprints. An artifact's fingerprint depends only on its content (schema + rows in
 * order), never on how it was produced or encoded, so an upstream refresh that yields identical
 * data does not invalidate anything downstream.
 */
import type pl from "nodejs-polars";

/** Fixed seeds: the row hash must be identical across runs and processes. */
const K0 = 0x7474_6170;
const K1 = 0x6970_6970;
const K2 = 0x6361_6368;
const K3 = 0x6566_7031;

function hex(h: bigint | number): string {
  return BigInt.asUintN(64, BigInt(h)).toString(16).padStart(16, "0");
}

/** Fingerprint of arbitrary text or bytes (params, JSON documents, file contents). */
export function hashBytes(data: string | Uint8Array, seed = 0n): string {
  return hex(Bun.hash.wyhash(data, seed));
}

/** Fingerprint of a DataFrame's content: schema (names + types) and every row, in order. */
export function frameFingerprint(df: pl.DataFrame): string {
  const schema = Object.entries(df.schema)
    .map(([name, type]) => `${name}:${String(type)}`)
    .join("|");
  const seed = BigInt.asUintN(64, BigInt(Bun.hash.wyhash(schema)));
  if (df.height === 0) return hashBytes(`empty|${schema}`, seed);
  const rows = df.hashRows(K0, K1, K2, K3).toTypedArray() as BigUint64Array;
  return hashBytes(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength), seed);
}

/** One fingerprint for an ordered list of parts (e.g. the files of a dataset). */
export function combineFingerprints(parts: readonly string[]): string {
  return hashBytes(parts.join("\n"));
}

/** Fingerprint of a JSON-able parameter object with sorted keys (so key order does not matter). */
export function paramsFingerprint(params: unknown): string {
  return hashBytes(stableJson(params));
}

export function stableJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(",")}}`;
}
