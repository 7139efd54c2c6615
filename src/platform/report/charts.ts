/**
 * Which charts a symbol section shows and which series each draws. Decided here, once, on the
 * server: the page script draws exactly these series, the HTML records their count
 * (`data-series`), and the browser test checks the drawn chart against it. A chart without data
 * gets its note instead (missing table, too little history…), never an empty frame.
 */
import type { ReportModel, SymbolReport } from "./model.ts";

export type ChartKind = "price" | "ivhv" | "cone" | "term" | "skew" | "moves";

export interface ChartPlan {
  kind: ChartKind;
  title: string;
  /** Series keys the page script draws (empty → the note is shown instead). */
  series: string[];
  note: string | null;
}

const anyValue = (a: readonly (number | null)[] | undefined) => !!a?.some((v) => v !== null);

export function chartPlans(m: ReportModel, s: SymbolReport): ChartPlan[] {
  const n = s.notes;
  const w = m.bandWindow;
  const plans: ChartPlan[] = [];
  const plan = (kind: ChartKind, title: string, series: string[], note: string | null | undefined) =>
    plans.push({ kind, title, series: note ? [] : series, note: note ?? (series.length ? null : "no data") });

  const barsN = s.bars?.d.length ?? 0;
  plan(
    "price",
    `Price · ±1σ range from HV${w} (close-to-close) ${w} bars earlier`,
    barsN > w + 1 ? ["close", "upper", "lower"] : ["close"],
    n.price,
  );
  const h = s.history;
  const ivhvSeries = (["iv", "atmIv30", "hv20yz", "hv60yz", "hv20c2c"] as const).filter((k) =>
    anyValue(h?.[k]),
  );
  plan("ivhv", "IV vs HV over collected history", ivhvSeries, n.ivhv);
  plan(
    "cone",
    `Volatility cone (${s.cone?.estimator ?? "yz"}) · today marked`,
    ["min", "p25", "median", "p75", "max", "today"],
    n.cone,
  );
  plan("term", "IV term structure · ATM IV by expiration", ["atmIv"], n.term);
  const sk = s.skew;
  plan(
    "skew",
    sk ? `Skew · nearest monthly expiration (${sk.dte} DTE)` : "Skew · nearest monthly expiration",
    (["call", "put"] as const).filter((k) => anyValue(sk?.[k])),
    n.skew,
  );
  plan("moves", "Expected move per expiration (±1σ)", ["low", "price", "high"], n.moves);
  return plans;
}

/** Series of the overview sparkline: IV and HV20 over the collected history. */
export function sparkSeries(s: SymbolReport): string[] {
  if (s.notes.spark) return [];
  const h = s.history;
  const hv = anyValue(h?.hv20yz) ? "hv20yz" : anyValue(h?.hv20c2c) ? "hv20c2c" : null;
  return [...(anyValue(h?.iv) ? ["iv"] : []), ...(hv ? [hv] : [])];
}
