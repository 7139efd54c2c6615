/**
 * Implied vs historical volatility and the expected move per option expiration.
 *
 * Inputs are plain values (fractions, e.g. IV 0.23), so any source can feed them: the pipeline
 * adapts TastyTrade market metrics (IV index) and option chains (per-expiration IV, DTE) to
 * these types.
 */
import { parseError } from "../core/errors.ts";

export interface ImpliedInput {
  symbol: string;
  /** IV index (30-day implied volatility), annualised fraction; null if unknown. */
  ivIndex: number | null;
  /** Underlying price used for expected moves; null if unknown. */
  price: number | null;
  expirations: ExpirationInput[];
}

export interface ExpirationInput {
  /** Expiration date as YYYY-MM-DD. */
  expiration: string;
  /** Calendar days to expiration. */
  dte: number;
  /** Implied volatility of that expiration, annualised fraction; null → use the IV index. */
  iv: number | null;
}

export interface IvHvRow {
  symbol: string;
  ivIndex: number | null;
  hv30: number | null;
  /** IV − HV30 (fraction points). */
  spread: number | null;
  /** IV / HV30. */
  ratio: number | null;
  reason: string | null;
}

export interface ExpectedMoveRow {
  symbol: string;
  expiration: string;
  dte: number;
  iv: number | null;
  price: number | null;
  /** One standard deviation move: price × IV × √(DTE/365). */
  move: number | null;
  /** price ∓ 1σ. */
  low1sd: number | null;
  high1sd: number | null;
  /** price ∓ z·σ at the configured confidence level (normal approximation). */
  ciLow: number | null;
  ciHigh: number | null;
  reason: string | null;
}

const usable = (x: number | null): x is number => x !== null && Number.isFinite(x) && x > 0;

export function ivVsHv(symbol: string, ivIndex: number | null, hv30: number | null): IvHvRow {
  if (!usable(ivIndex))
    return { symbol, ivIndex: null, hv30, spread: null, ratio: null, reason: "no IV index" };
  if (hv30 === null || !Number.isFinite(hv30)) {
    return {
      symbol,
      ivIndex,
      hv30: null,
      spread: null,
      ratio: null,
      reason: "no 30-day historical volatility",
    };
  }
  return {
    symbol,
    ivIndex,
    hv30,
    spread: ivIndex - hv30,
    ratio: hv30 > 0 ? ivIndex / hv30 : null,
    reason: hv30 > 0 ? null : "HV30 is zero (constant prices): ratio undefined",
  };
}

/** Expected moves for each expiration; `z` is the two-sided critical value for the interval. */
export function expectedMoves(input: ImpliedInput, z: number): ExpectedMoveRow[] {
  const rows: ExpectedMoveRow[] = [];
  for (const e of input.expirations) {
    const iv = usable(e.iv) ? e.iv : usable(input.ivIndex) ? input.ivIndex : null;
    const base = { symbol: input.symbol, expiration: e.expiration, dte: e.dte, iv, price: input.price };
    const none = { move: null, low1sd: null, high1sd: null, ciLow: null, ciHigh: null };
    if (!usable(input.price)) rows.push({ ...base, ...none, reason: "no underlying price" });
    else if (iv === null) rows.push({ ...base, ...none, reason: "no implied volatility" });
    else if (!(Number.isFinite(e.dte) && e.dte >= 0))
      rows.push({ ...base, ...none, reason: "invalid days to expiration" });
    else {
      const price = input.price;
      const move = price * iv * Math.sqrt(e.dte / 365);
      rows.push({
        ...base,
        move,
        low1sd: price - move,
        high1sd: price + move,
        ciLow: Math.max(0, price - z * move),
        ciHigh: price + z * move,
        reason: null,
      });
    }
  }
  return rows;
}

/**
 * Validate market-metrics input read from JSON (e.g. `ttapi stats --metrics FILE`): an array of
 * `{symbol, ivIndex, price, expirations: [{expiration, dte, iv}]}` with fractions for IVs.
 * Throws one clear error naming the file and the offending element.
 */
export function parseImpliedInputs(doc: unknown, source: string): ImpliedInput[] {
  const fail = (where: string, what: string): never => {
    throw parseError(`${source}: ${where}: ${what}`, {
      hint: 'expected [{"symbol":"SPY","ivIndex":0.18,"price":510.2,"expirations":[{"expiration":"2026-12-18","dte":27,"iv":0.17}]}]',
    });
  };
  const num = (v: unknown, where: string): number | null => {
    if (v === null || v === undefined) return null;
    if (typeof v !== "number" || !Number.isFinite(v))
      return fail(where, `expected a number or null, got ${JSON.stringify(v)}`);
    return v;
  };
  if (!Array.isArray(doc)) return fail("top level", "expected a JSON array");
  return doc.map((m, i) => {
    const at = `element ${i}`;
    if (typeof m !== "object" || m === null) return fail(at, "expected an object");
    const o = m as Record<string, unknown>;
    if (typeof o.symbol !== "string" || o.symbol === "") return fail(at, "missing symbol");
    const exps = o.expirations ?? [];
    if (!Array.isArray(exps)) return fail(`${at} (${o.symbol})`, "expirations must be an array");
    return {
      symbol: o.symbol,
      ivIndex: num(o.ivIndex, `${at} (${o.symbol}) ivIndex`),
      price: num(o.price, `${at} (${o.symbol}) price`),
      expirations: exps.map((e, k) => {
        const ew = `${at} (${o.symbol}) expirations[${k}]`;
        if (typeof e !== "object" || e === null) return fail(ew, "expected an object");
        const x = e as Record<string, unknown>;
        if (typeof x.expiration !== "string") return fail(ew, "missing expiration date");
        const dte = num(x.dte, `${ew} dte`);
        if (dte === null) return fail(ew, "missing dte");
        return { expiration: x.expiration, dte, iv: num(x.iv, `${ew} iv`) };
      }),
    };
  });
}
