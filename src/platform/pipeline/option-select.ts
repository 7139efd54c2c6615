/**
 * Which options the `option_quotes` snapshot asks the feed for: per underlying, the nearest N
 * expirations (across all its roots) plus the two around 30 days (for the 30-day ATM IV), and the
 * strikes within ± a fraction of the underlying's
 * price, calls and puts. Pure: chain rows and prices in, the selection and the underlyings that
 * could not be filtered (no chain, no price) out, so nothing is dropped without a name.
 */
import type pl from "nodejs-polars";
import { usageError } from "../../core/errors.ts";
import { ATM_TARGET_DAYS } from "../../stats/index.ts";

export interface OptionFilter {
  /** Nearest expirations per underlying (≥ 1). */
  expirations: number;
  /** Strikes within ± this fraction of the underlying's price (> 0). */
  strikeRange: number;
}

export interface SelectedOption {
  underlying: string;
  root: string;
  /** OCC symbol. */
  option: string;
  /** dxFeed symbol, what the feed is asked for. */
  streamer: string;
  type: "C" | "P";
  /** Days since epoch. */
  expiration: number;
  strike: number;
  underlyingPrice: number;
}

export interface Selection {
  options: SelectedOption[];
  /** Underlyings whose strikes could not be filtered: no usable price in the quotes. */
  noPrice: string[];
  /** Chain rows whose call or put had no streamer symbol (cannot be subscribed). */
  noStreamer: string[];
}

export function checkFilter(f: OptionFilter): OptionFilter {
  if (!(Number.isInteger(f.expirations) && f.expirations >= 1))
    throw usageError(`options.expirations must be a whole number ≥ 1, got ${f.expirations}`, {
      hint: "e.g. `ttapi config set options.expirations 8`",
    });
  if (!(Number.isFinite(f.strikeRange) && f.strikeRange > 0))
    throw usageError(`options.strike-range must be a fraction > 0, got ${f.strikeRange}`, {
      hint: "e.g. 0.2 for strikes within ±20 % of the underlying's price",
    });
  return f;
}

/** The underlying's price for the filter: mark, else mid, else last (the first positive one). */
export function underlyingPrices(quotes: pl.DataFrame): Map<string, number> {
  const out = new Map<string, number>();
  if (quotes.height === 0 || !quotes.columns.includes("symbol")) return out;
  const col = (name: string) =>
    quotes.columns.includes(name) ? (quotes.getColumn(name).toArray() as (number | null)[]) : [];
  const sym = quotes.getColumn("symbol").toArray() as string[];
  const candidates = [col("mark"), col("mid"), col("last")];
  sym.forEach((s, i) => {
    for (const c of candidates) {
      const v = c[i];
      if (typeof v === "number" && Number.isFinite(v) && v > 0) {
        out.set(s, v);
        return;
      }
    }
  });
  return out;
}

const DAY_MS = 86_400_000;

/**
 * The last expiration before `target` and the first on or after it (days since epoch), or none
 * when the chain has no expiration on one side (nothing to interpolate between).
 */
export function bracketing(sortedExpirations: readonly number[], target: number): number[] {
  const after = sortedExpirations.findIndex((e) => e >= target);
  if (after <= 0) return [];
  return [sortedExpirations[after - 1]!, sortedExpirations[after]!];
}

function dayOf(v: unknown): number {
  if (v instanceof Date) return Math.floor(v.getTime() / DAY_MS);
  if (typeof v === "number") return v;
  return Math.floor(Date.parse(`${String(v)}T00:00:00Z`) / DAY_MS);
}

/**
 * Select options from the `chains` artifact (one row per strike with call and put symbols).
 * Expirations before `today` (days since epoch) are ignored: they no longer trade.
 */
export function selectOptions(
  chains: pl.DataFrame,
  prices: ReadonlyMap<string, number>,
  filter: OptionFilter,
  today: number,
): Selection {
  checkFilter(filter);
  const out: Selection = { options: [], noPrice: [], noStreamer: [] };
  if (chains.height === 0) return out;
  const col = <T>(name: string) => chains.getColumn(name).toArray() as T[];
  const und = col<string>("underlying_symbol");
  const root = col<string>("root_symbol");
  const exp = col<unknown>("expiration_date").map(dayOf);
  const strike = col<number>("strike_price");
  const call = col<string | null>("call");
  const callS = col<string | null>("call_streamer_symbol");
  const put = col<string | null>("put");
  const putS = col<string | null>("put_streamer_symbol");

  // Per underlying: its rows, and its nearest expirations.
  const rowsBy = new Map<string, number[]>();
  for (let i = 0; i < und.length; i++) {
    if ((exp[i] as number) < today) continue;
    const u = und[i] as string;
    const list = rowsBy.get(u);
    if (list) list.push(i);
    else rowsBy.set(u, [i]);
  }
  for (const [u, rows] of [...rowsBy].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const price = prices.get(u);
    if (price === undefined) {
      out.noPrice.push(u);
      continue;
    }
    const expirations = [...new Set(rows.map((i) => exp[i] as number))].sort((a, b) => a - b);
    const nearest = new Set(expirations.slice(0, filter.expirations));
    // The two expirations around 30 days always join: the 30-day at-the-money IV (iv_hv's
    // atm_iv30) interpolates between them, and with weekly or daily expirations the nearest N
    // can all fall short of 30 days.
    for (const e of bracketing(expirations, today + ATM_TARGET_DAYS)) nearest.add(e);
    const lo = price * (1 - filter.strikeRange);
    const hi = price * (1 + filter.strikeRange);
    const picked = rows
      .filter(
        (i) => nearest.has(exp[i] as number) && (strike[i] as number) >= lo && (strike[i] as number) <= hi,
      )
      .sort(
        (a, b) =>
          (exp[a] as number) - (exp[b] as number) ||
          (root[a] as string).localeCompare(root[b] as string) ||
          (strike[a] as number) - (strike[b] as number),
      );
    for (const i of picked) {
      for (const [type, occ, streamer] of [
        ["C", call[i], callS[i]],
        ["P", put[i], putS[i]],
      ] as const) {
        if (!occ) continue; // a strike listed for one side only
        if (!streamer) {
          out.noStreamer.push(occ);
          continue;
        }
        out.options.push({
          underlying: u,
          root: root[i] as string,
          option: occ,
          streamer,
          type,
          expiration: exp[i] as number,
          strike: strike[i] as number,
          underlyingPrice: price,
        });
      }
    }
  }
  return out;
}

/** Chain columns the selection needs; a chains artifact without them cannot be used. */
export const CHAIN_COLUMNS_NEEDED = [
  "underlying_symbol",
  "root_symbol",
  "expiration_date",
  "strike_price",
  "call",
  "call_streamer_symbol",
  "put",
  "put_streamer_symbol",
] as const;

export function missingChainColumns(chains: pl.DataFrame): string[] {
  return CHAIN_COLUMNS_NEEDED.filter((c) => !chains.columns.includes(c));
}
