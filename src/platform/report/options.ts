/**
 * The option-derived parts of a symbol's report, from the newest snapshot: the ATM IV term
 * structure and the skew of the nearest monthly expiration (`option_quotes`), and the expected
 * move per expiration (`expected_moves`). "Monthly" is the chain's `expiration_type` Regular when
 * `chains` has it, else the standard rule (the third Friday, day 15–21).
 */
import type pl from "nodejs-polars";
import { civilFromDays } from "../../core/bars.ts";
import { weekday } from "../../core/time.ts";
import type { MovesData, SkewData, TermData } from "./model.ts";
import { column, groupRows, num } from "./read.ts";

/** `symbol|expiration` keys of the monthly expirations named by the chains. */
export function monthlyKeys(chains: pl.DataFrame | null): Set<string> | null {
  if (!chains || chains.height === 0) return null;
  const types = column<string | null>(chains, "expiration_type");
  if (types.every((t) => t === null)) return null;
  const sym = column<string>(chains, "underlying_symbol");
  const exp = column<number | null>(chains, "expiration_date");
  const out = new Set<string>();
  for (let i = 0; i < sym.length; i++)
    if (exp[i] !== null && /^(regular|monthly)$/i.test(types[i] ?? "")) out.add(`${sym[i]}|${exp[i]}`);
  return out;
}

/** Whether an expiration is a standard monthly one (third Friday of its month). */
export function isThirdFriday(day: number): boolean {
  const { d } = civilFromDays(day);
  return weekday(day) === 5 && d >= 15 && d <= 21;
}

export function isMonthly(symbol: string, exp: number, monthly: Set<string> | null): boolean {
  return monthly ? monthly.has(`${symbol}|${exp}`) : isThirdFriday(exp);
}

export interface OptionsBySymbol {
  term: Map<string, TermData>;
  skew: Map<string, SkewData>;
  /** Symbols whose quotes had no usable IV (named in their note). */
  noIv: Set<string>;
}

interface Quote {
  exp: number;
  dte: number;
  strike: number;
  type: string;
  iv: number | null;
  under: number | null;
}

/** Term structure and nearest-monthly skew per underlying, from one snapshot of option_quotes. */
export function termAndSkew(
  quotes: pl.DataFrame,
  priceBySymbol: Map<string, number | null>,
  monthly: Set<string> | null,
): OptionsBySymbol {
  const sym = column<string>(quotes, "underlying_symbol");
  const exp = column<number | null>(quotes, "expiration_date");
  const strike = column(quotes, "strike_price");
  const type = column<string | null>(quotes, "option_type");
  const iv = column(quotes, "implied_volatility");
  const under = column(quotes, "underlying_price");
  const dteCol = column(quotes, "days_to_expiration");
  const date = column<number>(quotes, "date");
  const out: OptionsBySymbol = { term: new Map(), skew: new Map(), noIv: new Set() };
  for (const [s, rows] of groupRows(sym)) {
    const qs: Quote[] = [];
    for (const i of rows) {
      const e = exp[i];
      const k = num(strike[i]);
      if (e === null || e === undefined || k === null) continue;
      const t = (type[i] ?? "").toUpperCase().startsWith("P") ? "P" : "C";
      qs.push({
        exp: e,
        dte: num(dteCol[i]) ?? e - date[i]!,
        strike: k,
        type: t,
        iv: num(iv[i]) !== null && num(iv[i])! > 0 ? num(iv[i]) : null,
        under: num(under[i]),
      });
    }
    if (!qs.some((q) => q.iv !== null)) {
      out.noIv.add(s);
      continue;
    }
    const unders = qs.map((q) => q.under).filter((x): x is number => x !== null);
    const price = unders.length ? unders[Math.floor(unders.length / 2)]! : (priceBySymbol.get(s) ?? null);
    const byExp = new Map<number, Quote[]>();
    for (const q of qs) {
      const list = byExp.get(q.exp);
      if (list) list.push(q);
      else byExp.set(q.exp, [q]);
    }
    const exps = [...byExp.keys()].sort((a, b) => a - b);
    const term: TermData = { exp: [], dte: [], atmIv: [] };
    for (const e of exps) {
      const list = byExp.get(e)!.filter((q) => q.iv !== null);
      if (!list.length || price === null) continue;
      // ATM: the strike nearest the underlying; calls and puts there averaged.
      let best = Number.POSITIVE_INFINITY;
      for (const q of list) best = Math.min(best, Math.abs(q.strike - price));
      const atm = list.filter((q) => Math.abs(q.strike - price) === best).map((q) => q.iv!);
      term.exp.push(e);
      term.dte.push(byExp.get(e)![0]!.dte);
      term.atmIv.push(atm.reduce((a, b) => a + b, 0) / atm.length);
    }
    if (term.exp.length) out.term.set(s, term);
    // Skew: the nearest monthly expiration still open with at least three strikes quoted.
    for (const e of exps) {
      const list = byExp.get(e)!;
      if (list[0]!.dte < 1 || !isMonthly(s, e, monthly)) continue;
      const strikes = [...new Set(list.filter((q) => q.iv !== null).map((q) => q.strike))].sort(
        (a, b) => a - b,
      );
      if (strikes.length < 3) continue;
      const pick = (t: string) =>
        strikes.map((k) => list.find((q) => q.strike === k && q.type === t && q.iv !== null)?.iv ?? null);
      out.skew.set(s, { exp: e, dte: list[0]!.dte, strike: strikes, call: pick("C"), put: pick("P"), price });
      break;
    }
  }
  return out;
}

/** Expected moves per underlying, ordered by expiration. */
export function movesBySymbol(df: pl.DataFrame): Map<string, MovesData> {
  const sym = column<string>(df, "symbol");
  const exp = column<number | null>(df, "expiration");
  const cols = {
    dte: column(df, "dte"),
    price: column(df, "price"),
    low: column(df, "low_1sd"),
    high: column(df, "high_1sd"),
    move: column(df, "move"),
    iv: column(df, "iv"),
    ciLow: column(df, "ci_low"),
    ciHigh: column(df, "ci_high"),
  };
  const date = column<number>(df, "date");
  const out = new Map<string, MovesData>();
  for (const [s, rows] of groupRows(sym)) {
    const m: MovesData = {
      exp: [],
      dte: [],
      price: [],
      low: [],
      high: [],
      move: [],
      iv: [],
      ciLow: [],
      ciHigh: [],
    };
    const sorted = rows.filter((i) => exp[i] !== null).sort((a, b) => exp[a]! - exp[b]!);
    for (const i of sorted) {
      const move = num(cols.move[i]);
      const price = num(cols.price[i]);
      m.exp.push(exp[i]!);
      m.dte.push(num(cols.dte[i]) ?? exp[i]! - date[i]!);
      m.price.push(price);
      m.move.push(move);
      // Derive the 1σ range when only the move is stored.
      m.low.push(num(cols.low[i]) ?? (price !== null && move !== null ? price - move : null));
      m.high.push(num(cols.high[i]) ?? (price !== null && move !== null ? price + move : null));
      m.iv.push(num(cols.iv[i]));
      m.ciLow.push(num(cols.ciLow[i]));
      m.ciHigh.push(num(cols.ciHigh[i]));
    }
    out.set(s, m);
  }
  return out;
}

/** The expected move to the next monthly expiration (dte ≥ 1), or null. */
export function nextMonthlyMove(
  symbol: string,
  m: MovesData | undefined,
  monthly: Set<string> | null,
): { exp: number; move: number; pct: number | null } | null {
  if (!m) return null;
  for (let i = 0; i < m.exp.length; i++) {
    if (m.dte[i]! < 1 || !isMonthly(symbol, m.exp[i]!, monthly)) continue;
    const move = m.move[i];
    if (move === null || move === undefined) continue;
    const price = m.price[i];
    return { exp: m.exp[i]!, move, pct: price ? move / price : null };
  }
  return null;
}
