/**
 * Own IV history for `iv_hv`: IV rank and IV percentile of the market metrics' IV index and of a
 * 30-day at-the-money IV computed from `option_quotes`, over the lake's last 252 trading days,
 * beside the API's own `implied_volatility_index_rank`.
 *
 * History sources, read with partition pruning (only dates inside the window):
 * - IV index: `metrics.implied_volatility_index`, one value per (symbol, date) — the latest
 *   snapshot of a date when there are intraday ones.
 * - ATM IV30: earlier days' `iv_hv.atm_iv30`; dates the lake has option quotes for but no
 *   `atm_iv30` (collected before this column existed) are computed from `option_quotes`.
 * Today's values come from the frames the pipeline passes (or the lake's partition of `date`).
 */
import pl from "nodejs-polars";
import { daysFromCivil, isoFromDays } from "../../core/bars.ts";
import {
  type AtmIvResult,
  atmIv30,
  type IvObservation,
  type IvRankResult,
  ivRank,
  type OptionIvPoint,
  windowStart,
} from "../../stats/index.ts";
import { openTable } from "../query/catalog.ts";

export const IV_HISTORY_COLUMNS = [
  "iv_rank",
  "iv_percentile",
  "iv_history_days",
  "atm_iv30",
  "atm_iv30_rank",
  "atm_iv30_percentile",
  "atm_iv30_history_days",
  "api_iv_rank",
  "iv_note",
] as const;

export interface IvHistoryInput {
  lakeRoot: string;
  /** The trading date of the snapshot being built (YYYY-MM-DD). */
  date: string;
  /** Today's market metrics (`symbol`, `implied_volatility_index`, `implied_volatility_index_rank`). */
  metrics?: pl.DataFrame;
  /** Today's option quotes; default: the lake's `option_quotes` partition of `date`. */
  optionQuotes?: pl.DataFrame;
  /** The rows to produce (default: the symbols of today's metrics). */
  symbols?: readonly string[];
}

const dayOf = (iso: string) =>
  daysFromCivil(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
const dateLit = (day: number) => pl.lit(isoFromDays(day)).str.strptime(pl.Date, "%Y-%m-%d");
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Rows of a lake table inside [from, to) days with the given columns, latest snapshot last. */
function lakeRows(
  root: string,
  table: "metrics" | "iv_hv" | "option_quotes",
  cols: string[],
  from: number,
  to: number,
  dates?: number[],
) {
  const t = openTable(root, table);
  if (!t || !cols.every((c) => c in t.schema)) return null;
  let lf = t.scan.filter(
    pl
      .col("date")
      .gtEq(dateLit(from))
      .and(pl.col("date").lt(dateLit(to))),
  );
  // An OR of equalities (not is_in, whose list form polars deprecates) still prunes by date.
  if (dates && dates.length > 0)
    lf = lf.filter(dates.map((d) => pl.col("date").eq(dateLit(d))).reduce((a, b) => a.or(b)));
  const order = "snapshot_time" in t.schema ? ["date", "snapshot_time"] : ["date"];
  return lf
    .select(...new Set([...cols, ...order]))
    .sort(order)
    .collectSync();
}

function dayColumn(df: pl.DataFrame): number[] {
  return (df.getColumn("date").cast(pl.Int32).toArray() as number[]).map(Number);
}

/** symbol → day → value; a later row for the same day overwrites (latest snapshot wins). */
function series(
  df: pl.DataFrame | null,
  symCol: string,
  valCol: string,
  into = new Map<string, Map<number, number | null>>(),
) {
  if (!df || df.height === 0) return into;
  const days = dayColumn(df);
  const syms = df.getColumn(symCol).toArray() as string[];
  const vals = df.getColumn(valCol).toArray();
  for (let i = 0; i < df.height; i++) {
    const m = into.get(syms[i]!) ?? new Map<number, number | null>();
    m.set(days[i]!, num(vals[i]));
    into.set(syms[i]!, m);
  }
  return into;
}

/** ATM IV30 per underlying of one snapshot of option quotes. */
export function atmIv30BySymbol(quotes: pl.DataFrame): Map<string, AtmIvResult> {
  const out = new Map<string, AtmIvResult>();
  const need = [
    "underlying_symbol",
    "option_type",
    "strike_price",
    "days_to_expiration",
    "implied_volatility",
    "underlying_price",
  ];
  if (quotes.height === 0 || !need.every((c) => quotes.columns.includes(c))) return out;
  const u = quotes.getColumn("underlying_symbol").toArray() as string[];
  const type = quotes.getColumn("option_type").toArray() as string[];
  const strike = quotes.getColumn("strike_price").toArray() as (number | null)[];
  const dte = quotes.getColumn("days_to_expiration").cast(pl.Float64).toArray() as (number | null)[];
  const iv = quotes.getColumn("implied_volatility").toArray() as (number | null)[];
  const price = quotes.getColumn("underlying_price").toArray() as (number | null)[];
  const groups = new Map<string, { points: OptionIvPoint[]; price: number | null }>();
  for (let i = 0; i < u.length; i++) {
    const g = groups.get(u[i]!) ?? { points: [], price: null };
    if (g.price === null) g.price = num(price[i]);
    const t = String(type[i] ?? "")
      .toUpperCase()
      .startsWith("P")
      ? "P"
      : "C";
    if (strike[i] !== null && dte[i] !== null)
      g.points.push({ dte: dte[i]!, strike: strike[i]!, type: t, iv: iv[i] ?? null });
    groups.set(u[i]!, g);
  }
  for (const [sym, g] of groups) out.set(sym, atmIv30(g.points, g.price));
  return out;
}

const obs = (m: Map<number, number | null> | undefined): IvObservation[] =>
  m ? [...m.entries()].map(([day, value]) => ({ day, value })) : [];

function note(label: string, r: IvRankResult, extra: string | null): string | null {
  const parts = [extra, r.note].filter((x): x is string => !!x && x !== "no current value");
  if (r.note === "no current value" && !extra) parts.push("no current value");
  return parts.length ? `${label}: ${[...new Set(parts)].join("; ")}` : null;
}

/** One row per symbol with the columns of IV_HISTORY_COLUMNS. */
export function ivHistoryFrame(input: IvHistoryInput): pl.DataFrame {
  const today = dayOf(input.date);
  const from = windowStart(today);
  const root = input.lakeRoot;

  // IV index: history from the lake, today from the pipeline's metrics (or the lake's today).
  const todayMetrics =
    input.metrics ??
    lakeRows(root, "metrics", ["symbol", "implied_volatility_index"], today, today + 1) ??
    pl.DataFrame({});
  const ivIndex = series(
    lakeRows(root, "metrics", ["symbol", "implied_volatility_index"], from, today),
    "symbol",
    "implied_volatility_index",
  );
  const apiRank = new Map<string, number | null>();
  if (todayMetrics.height > 0 && todayMetrics.columns.includes("symbol")) {
    const syms = todayMetrics.getColumn("symbol").toArray() as string[];
    const iv = todayMetrics.columns.includes("implied_volatility_index")
      ? todayMetrics.getColumn("implied_volatility_index").toArray()
      : [];
    const rank = todayMetrics.columns.includes("implied_volatility_index_rank")
      ? todayMetrics.getColumn("implied_volatility_index_rank").toArray()
      : [];
    for (let i = 0; i < syms.length; i++) {
      const m = ivIndex.get(syms[i]!) ?? new Map<number, number | null>();
      m.set(today, num(iv[i]));
      ivIndex.set(syms[i]!, m);
      apiRank.set(syms[i]!, num(rank[i]));
    }
  }

  // ATM IV30: earlier days from iv_hv, gaps back-filled from option_quotes, today computed.
  const atm = series(lakeRows(root, "iv_hv", ["symbol", "atm_iv30"], from, today), "symbol", "atm_iv30");
  const covered = new Set<number>();
  for (const m of atm.values()) for (const [d, v] of m) if (v !== null) covered.add(d);
  const quoteCols = [
    "underlying_symbol",
    "option_type",
    "strike_price",
    "days_to_expiration",
    "implied_volatility",
    "underlying_price",
  ];
  const oq = openTable(root, "option_quotes");
  const missing = (oq?.partitions ?? [])
    .map((p) => /date=(\d{4}-\d{2}-\d{2})/.exec(p)?.[1])
    .filter((d): d is string => !!d)
    .map(dayOf)
    .filter((d) => d >= from && d < today && !covered.has(d));
  if (missing.length > 0) {
    const back = lakeRows(root, "option_quotes", [...quoteCols], from, today, [...new Set(missing)]);
    if (back && back.height > 0) {
      const days = dayColumn(back);
      for (const d of new Set(days)) {
        const mask = pl.Series(days.map((x) => x === d));
        for (const [sym, r] of atmIv30BySymbol(back.filter(mask))) {
          const m = atm.get(sym) ?? new Map<number, number | null>();
          m.set(d, r.value);
          atm.set(sym, m);
        }
      }
    }
  }
  const todayQuotes = input.optionQuotes ?? lakeRows(root, "option_quotes", quoteCols, today, today + 1);
  const atmToday = todayQuotes ? atmIv30BySymbol(todayQuotes) : new Map<string, AtmIvResult>();
  for (const [sym, r] of atmToday) {
    const m = atm.get(sym) ?? new Map<number, number | null>();
    m.set(today, r.value);
    atm.set(sym, m);
  }

  const symbols = input.symbols ?? [...new Set([...apiRank.keys(), ...atmToday.keys()])].sort();
  const rows = symbols.map((sym) => {
    const a = ivRank(obs(ivIndex.get(sym)), today);
    const b = ivRank(obs(atm.get(sym)), today);
    const todayAtm = atmToday.get(sym);
    const atmNote = todayAtm ? todayAtm.note : "no option quotes";
    const notes = [note("IV index", a, null), note("ATM IV30", b, b.value === null ? atmNote : null)].filter(
      Boolean,
    );
    return { sym, a, b, api: apiRank.get(sym) ?? null, note: notes.length ? notes.join("; ") : null };
  });
  const f64 = (name: string, f: (r: (typeof rows)[number]) => number | null) =>
    pl.Series(name, rows.map(f), pl.Float64);
  const i32 = (name: string, f: (r: (typeof rows)[number]) => number) =>
    pl.Series(name, rows.map(f), pl.Int32);
  return pl.DataFrame([
    pl.Series(
      "symbol",
      rows.map((r) => r.sym),
      pl.Utf8,
    ),
    f64("iv_rank", (r) => r.a.rank),
    f64("iv_percentile", (r) => r.a.percentile),
    i32("iv_history_days", (r) => r.a.days),
    f64("atm_iv30", (r) => r.b.value),
    f64("atm_iv30_rank", (r) => r.b.rank),
    f64("atm_iv30_percentile", (r) => r.b.percentile),
    i32("atm_iv30_history_days", (r) => r.b.days),
    f64("api_iv_rank", (r) => r.api),
    pl.Series(
      "iv_note",
      rows.map((r) => r.note),
      pl.Utf8,
    ),
  ]);
}
