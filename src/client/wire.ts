/**
 * Wire-format decoding kernel: the TastyTrade API sends numbers as JSON strings ("500.0"), uses
 * `-1` and `"NaN"` as "no value" sentinels, and omits optional fields. These pure helpers convert
 * one field at the boundary so the typed records above them never see a string number or a
 * sentinel. They never throw on a merely-missing field (fields are optional on the wire); they
 * throw E_PARSE only when a present value has an impossible shape, naming the field.
 */
import { parseError } from "../core/errors.ts";
import type { Json, JsonObject } from "../core/json.ts";

function fail(field: string, expected: string, got: unknown, where: string): never {
  const shown =
    typeof got === "string" ? JSON.stringify(got.slice(0, 40)) : JSON.stringify(got)?.slice(0, 40);
  throw parseError(`${where}: field "${field}" should be ${expected}, got ${shown}`, {
    hint: "the API answered with an unexpected shape; check --url/--env, or report it with the trace log",
  });
}

/** A number sent as a JSON string or number; `"NaN"`, `""`, null, absent and `-1` sentinels → null. */
export function num(o: JsonObject, field: string, where = "response"): number | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string") {
    if (v === "" || v === "NaN" || v === "-NaN") return null;
    const n = Number(v);
    if (Number.isNaN(n)) fail(field, "a number", v, where);
    return Number.isFinite(n) ? n : null;
  }
  return fail(field, "a number", v, where);
}

/** Like `num`, but also maps the `-1` "not set" sentinel (e.g. `halt-start-time`) to null. */
export function numOrUnset(o: JsonObject, field: string, where = "response"): number | null {
  const n = num(o, field, where);
  return n === -1 ? null : n;
}

/** An integer (ids, days-to-expiration, shares-per-contract), sent as a number or string. */
export function int(o: JsonObject, field: string, where = "response"): number | null {
  const n = num(o, field, where);
  if (n === null) return null;
  if (!Number.isInteger(n)) fail(field, "an integer", o[field], where);
  return n;
}

export function str(o: JsonObject, field: string, where = "response"): string | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  // Ids and codes drift between number and string across API versions: keep them as text.
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return fail(field, "a string", v, where);
}

/** A required string: absent or null is a parse error naming the field. */
export function reqStr(o: JsonObject, field: string, where = "response"): string {
  const v = str(o, field, where);
  if (v === null) fail(field, "a string (required)", o[field], where);
  return v;
}

/** Booleans drift too (`day-trader-status` is `false` in captures, a string in swagger). */
export function bool(o: JsonObject, field: string, where = "response"): boolean | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return fail(field, "a boolean", v, where);
}

/** An ISO timestamp (`Z` or `+00:00` offset) → epoch milliseconds; `-1`/absent → null. */
export function time(o: JsonObject, field: string, where = "response"): number | null {
  const v = o[field];
  if (v === undefined || v === null || v === -1 || v === "") return null;
  if (typeof v === "number") return v; // some fields (halt times) are epoch ms
  if (typeof v !== "string") return fail(field, "a timestamp", v, where);
  const t = Date.parse(v);
  if (Number.isNaN(t)) fail(field, "an ISO-8601 timestamp", v, where);
  return t;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** A `YYYY-MM-DD` date, kept as text in records (polars turns it into a Date column). */
export function date(o: JsonObject, field: string, where = "response"): string | null {
  const v = o[field];
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string" || !DATE_RE.test(v)) return fail(field, "a YYYY-MM-DD date", v, where);
  return v;
}

export function obj(o: JsonObject, field: string, where = "response"): JsonObject | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "object" || Array.isArray(v)) return fail(field, "an object", v, where);
  return v;
}

export function arr(o: JsonObject, field: string, where = "response"): Json[] {
  const v = o[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fail(field, "an array", v, where);
  return v;
}

export function asObject(v: Json | undefined, where: string): JsonObject {
  if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v)) {
    throw parseError(
      `${where}: expected a JSON object, got ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`,
      {
        hint: "the API answered with an unexpected shape; check --url/--env",
      },
    );
  }
  return v;
}

/** Objects of an array field (non-objects are a parse error naming the index). */
export function objects(o: JsonObject, field: string, where = "response"): JsonObject[] {
  return arr(o, field, where).map((v, i) => asObject(v, `${where}: ${field}[${i}]`));
}

/** Strings of an array field. */
export function strings(o: JsonObject, field: string, where = "response"): string[] {
  return arr(o, field, where).map((v, i) => {
    if (typeof v !== "string") fail(`${field}[${i}]`, "a string", v, where);
    return v;
  });
}

/** Money is sent unsigned with a sibling `<field>-effect` ∈ Credit|Debit|None: apply the sign. */
export function signed(o: JsonObject, field: string, where = "response"): number | null {
  const n = num(o, field, where);
  if (n === null) return null;
  const effect = o[`${field}-effect`];
  return effect === "Debit" ? -n : n;
}

// ---------------------------------------------------------------------------------------------
// Envelope: {data, context, pagination} on every route except /oauth/token.

export interface Pagination {
  perPage: number | null;
  pageOffset: number | null;
  itemOffset: number | null;
  totalItems: number | null;
  totalPages: number | null;
  currentItemCount: number | null;
}

export interface Envelope {
  data: JsonObject;
  context: string | null;
  pagination: Pagination | null;
}

export function decodePagination(p: JsonObject | null, where: string): Pagination | null {
  if (!p) return null;
  return {
    perPage: int(p, "per-page", where),
    pageOffset: int(p, "page-offset", where),
    itemOffset: int(p, "item-offset", where),
    totalItems: int(p, "total-items", where),
    totalPages: int(p, "total-pages", where),
    currentItemCount: int(p, "current-item-count", where),
  };
}

export function decodeEnvelope(body: Json, where: string): Envelope {
  const root = asObject(body, where);
  if (!("data" in root)) {
    throw parseError(`${where}: response has no "data" envelope`, {
      hint: "check --url points at the TastyTrade API (or a ttapi sim)",
    });
  }
  return {
    data: asObject(root.data, `${where}: data`),
    context: str(root, "context", where),
    pagination: decodePagination(obj(root, "pagination", where), where),
  };
}

/** Items of a list payload (`data.items`). */
export function items(data: JsonObject, where: string): JsonObject[] {
  return objects(data, "items", where);
}

/** API error body `{error:{code,message,errors}}` (code is a string or an int) → code + message. */
export function decodeApiError(body: unknown): { code: string | null; message: string | null } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return { code: null, message: null };
  const root = body as Record<string, unknown>;
  const e = root.error;
  if (e && typeof e === "object" && !Array.isArray(e)) {
    const err = e as Record<string, unknown>;
    const code = err.code === undefined || err.code === null ? null : String(err.code);
    const message = typeof err.message === "string" ? err.message : null;
    return { code, message };
  }
  // OAuth shapes: {"error":"invalid_grant","error_description":…} or {"error_code":…}.
  const code = typeof e === "string" ? e : typeof root.error_code === "string" ? root.error_code : null;
  const message = typeof root.error_description === "string" ? root.error_description : null;
  return { code, message };
}
