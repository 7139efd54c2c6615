/**
 * The report's data model: what the lake readers produce and what is embedded, as JSON, in the
 * HTML. Numbers are annualised fractions (0.23 = 23 %) and prices as stored; dates are days since
 * 1970-01-01. A chart's data is either present or replaced by a note saying why it is missing
 * (table not in the lake, column missing, not enough history): never silently empty.
 */

/** Why a section has no chart: shown in its place. */
export type Note = string;

export interface OverviewRow {
  price: number | null;
  iv: number | null; // IV index (metrics)
  ivRank: number | null; // own IV rank (iv_hv.iv_rank), 0–1
  ivPct: number | null; // own IV percentile (iv_hv.iv_percentile), 0–1
  ivDays: number | null; // days of IV history behind them
  ivNote: string | null; // why the own rank is missing (iv_hv.iv_note), e.g. too little history
  ivRankApi: number | null; // the API's implied_volatility_index_rank, 0–1
  hv20yz: number | null;
  hv20c2c: number | null;
  hv60yz: number | null;
  hv60c2c: number | null;
  spread: number | null; // IV − HV (iv_hv.spread, or IV − HV30 YZ)
  emMove: number | null; // expected move to the next monthly expiration (price units)
  emPct: number | null; // … as a fraction of the price
  emExp: number | null; // that expiration (day number)
  liquidity: number | null;
}

/** Collected daily history of one symbol (one point per lake date). */
export interface HistorySeries {
  d: number[]; // dates (day numbers)
  iv: (number | null)[];
  hv20yz: (number | null)[];
  hv60yz: (number | null)[];
  hv20c2c: (number | null)[];
  atmIv30: (number | null)[];
}

export interface ConeData {
  estimator: string;
  w: number[];
  min: (number | null)[];
  p25: (number | null)[];
  median: (number | null)[];
  p75: (number | null)[];
  max: (number | null)[];
  today: (number | null)[];
}

export interface TermData {
  exp: number[];
  dte: number[];
  atmIv: (number | null)[];
}

export interface SkewData {
  exp: number;
  dte: number;
  strike: number[];
  call: (number | null)[];
  put: (number | null)[];
  price: number | null;
}

export interface MovesData {
  exp: number[];
  dte: number[];
  price: (number | null)[];
  low: (number | null)[];
  high: (number | null)[];
  move: (number | null)[];
  iv: (number | null)[];
  ciLow: (number | null)[];
  ciHigh: (number | null)[];
}

export interface StatRow {
  estimator: string;
  window: number;
  vol: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  n: number | null;
  conePct: number | null;
  reason: string | null;
}

/**
 * The latest statistics table as matrices — rows `est`, columns `w` — so the embedded JSON stays
 * small for 500+ symbols. A cell missing from the lake is null with no reason.
 */
export interface StatsData {
  est: string[];
  w: number[];
  vol: (number | null)[][];
  lo: (number | null)[][];
  hi: (number | null)[][];
  n: (number | null)[][];
  pct: (number | null)[][];
  reason: (string | null)[][];
}

export interface SymbolReport {
  symbol: string;
  overview: OverviewRow;
  history: HistorySeries | null;
  bars: { d: number[]; c: number[] } | null;
  cone: ConeData | null;
  term: TermData | null;
  skew: SkewData | null;
  moves: MovesData | null;
  stats: StatsData | null;
  /** Per chart/section: why it is missing or partial. Keys: price, ivhv, cone, term, skew, moves, stats. */
  notes: Partial<Record<SectionKey, Note>>;
}

export type SectionKey = "price" | "ivhv" | "cone" | "term" | "skew" | "moves" | "stats" | "spark";

export interface TableStatus {
  table: string;
  present: boolean;
  dates: number;
  first: string | null;
  last: string | null;
  note: string | null;
  /** bars only: symbols with daily bars. */
  symbols?: number;
}

export interface ReportModel {
  generatedAt: string; // ISO instant
  asOf: string | null; // latest snapshot date in the lake
  historyDays: number; // collected snapshot dates (metrics/iv_hv/volatility)
  annualization: number;
  /** Whether `iv_hv` carries the own IV rank/percentile columns (else "not collected yet"). */
  ownIvRank: boolean;
  /** Band/HV window (bars) for the price chart. */
  bandWindow: number;
  tables: TableStatus[];
  /** Report-wide notes: missing tables, requested symbols not in the lake. */
  notes: string[];
  /** Requested with --symbols but absent from every table. */
  missingSymbols: string[];
  symbols: SymbolReport[];
}
