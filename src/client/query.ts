/**
 * URL building rules of the TastyTrade API, in one place:
 *  - path symbols are percent-encoded exactly once (`BRK/B` → `BRK%2FB`, OCC spaces → `%20`);
 *  - most array params are brackets (`symbol[]=A&symbol[]=B`);
 *  - `market-metrics?symbols=` and every `market-data/by-type` key are ONE comma list, each symbol
 *    encoded, the commas literal;
 *  - `by-type` accepts at most 100 symbols in total per request.
 */
import { usageError } from "../core/errors.ts";

/**
 * Encode one raw path symbol exactly once. Callers always pass raw symbols (`BRK/B`, OCC with
 * spaces); nothing else in the client encodes paths, so `%252F` double encoding cannot happen.
 */
export function pathSymbol(symbol: string): string {
  if (symbol.length === 0)
    throw usageError("empty symbol in a request path", { hint: "check the symbol list for blank lines" });
  return encodeURIComponent(symbol);
}

export type QueryValue = string | number | boolean | undefined | null | readonly string[];

export interface QueryParam {
  key: string;
  value: QueryValue;
  /** How an array is sent: `brackets` → key[]=a&key[]=b (default), `comma` → key=a,b. */
  array?: "brackets" | "comma";
}

export function buildQuery(params: readonly QueryParam[]): string {
  const parts: string[] = [];
  for (const p of params) {
    const v = p.value;
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      const list = v as readonly string[];
      if (list.length === 0) continue;
      if (p.array === "comma")
        parts.push(`${encodeURIComponent(p.key)}=${list.map(encodeURIComponent).join(",")}`);
      else for (const s of list) parts.push(`${encodeURIComponent(p.key)}[]=${encodeURIComponent(s)}`);
    } else parts.push(`${encodeURIComponent(p.key)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

export function chunk<T>(list: readonly T[], size: number): T[][] {
  if (size < 1) throw usageError(`chunk size must be ≥ 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** The `market-data/by-type` keys. */
export const BY_TYPE_KEYS = [
  "index",
  "equity",
  "equity-option",
  "future",
  "future-option",
  "cryptocurrency",
] as const;
export type ByTypeKey = (typeof BY_TYPE_KEYS)[number];
export type ByTypeRequest = Partial<Record<ByTypeKey, readonly string[]>>;

export const BY_TYPE_LIMIT = 100;

/**
 * Split a by-type request into requests of at most `limit` symbols in total (across all keys),
 * keeping the key order; each piece is then sent with comma lists.
 */
export function chunkByType(req: ByTypeRequest, limit = BY_TYPE_LIMIT): ByTypeRequest[] {
  const out: ByTypeRequest[] = [];
  let current: Record<string, string[]> = {};
  let count = 0;
  for (const key of BY_TYPE_KEYS) {
    for (const sym of req[key] ?? []) {
      if (count === limit) {
        out.push(current);
        current = {};
        count = 0;
      }
      let list = current[key];
      if (!list) {
        list = [];
        current[key] = list;
      }
      list.push(sym);
      count++;
    }
  }
  if (count > 0) out.push(current);
  return out;
}

export function byTypeQuery(req: ByTypeRequest): string {
  return buildQuery(BY_TYPE_KEYS.map((key) => ({ key, value: req[key], array: "comma" as const })));
}
