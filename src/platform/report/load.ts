/**
 * Lake → report model. Every table is read once (history tables for all dates but only the
 * columns the report draws, snapshot tables for the newest date only), then assembled per symbol.
 * A table or column the lake lacks turns into a note in the sections that need it; a symbol asked
 * for with `--symbols` that no table knows is named in `missingSymbols` (no silent loss).
 */
import pl from "nodejs-polars";
import { type LakeTable, listPartitions } from "../lake/index.ts";
import { readCloses } from "./bars.ts";
import type {
  ConeData,
  HistorySeries,
  MovesData,
  Note,
  OverviewRow,
  ReportModel,
  SectionKey,
  SkewData,
  StatRow,
  StatsData,
  SymbolReport,
  TableStatus,
  TermData,
} from "./model.ts";
import { monthlyKeys, movesBySymbol, nextMonthlyMove, termAndSkew } from "./options.ts";
import { Cells, column, groupRows, num, partitionDates, readSnapshot, type TableRead } from "./read.ts";

export interface LoadOptions {
  root: string; // lake root
  symbols?: readonly string[] | null;
  annualization?: number;
  /** Window (bars) of the realised-volatility bands on the price chart. */
  bandWindow?: number;
  /** Daily bars shown on the price chart. */
  priceDays?: number;
  now?: Date;
}

/** Canonical short estimator names (the lake's `c2c`…`yz`; long names from older writers too). */
const ESTIMATOR_SHORT: Record<string, string> = {
  c2c: "c2c",
  close_to_close: "c2c",
  parkinson: "parkinson",
  park: "parkinson",
  gk: "gk",
  garman_klass: "gk",
  rs: "rs",
  rogers_satchell: "rs",
  yz: "yz",
  yang_zhang: "yz",
};
const ESTIMATOR_ORDER = ["yz", "c2c", "gk", "rs", "parkinson"];
const shortEst = (e: string | null) => ESTIMATOR_SHORT[(e ?? "").toLowerCase()] ?? e ?? "?";

const CONE_COLS = ["cone_min", "cone_p25", "cone_median", "cone_p75", "cone_max"];

export function loadReport(o: LoadOptions): ReportModel {
  const root = o.root;
  const sel = o.symbols?.length ? [...new Set(o.symbols)] : null;
  const bandWindow = o.bandWindow ?? 20;
  const bySym = { keys: ["symbol"], symbolCol: "symbol", symbols: sel };
  const metrics = readSnapshot(root, "metrics", {
    ...bySym,
    required: ["symbol", "implied_volatility_index"],
    optional: ["implied_volatility_index_rank", "liquidity_rating"],
  });
  const ivhv = readSnapshot(root, "iv_hv", {
    ...bySym,
    required: ["symbol"],
    optional: [
      "iv_index",
      "hv30",
      "spread",
      "iv_rank",
      "iv_percentile",
      "iv_history_days",
      "atm_iv30",
      "iv_note",
    ],
  });
  const volSpec = {
    symbolCol: "symbol",
    symbols: sel,
    keys: ["symbol", "estimator", "window"],
    required: ["symbol", "estimator", "window", "vol"],
  };
  const volHist = readSnapshot(root, "volatility", {
    ...volSpec,
    filter: pl
      .col("estimator")
      .cast(pl.Utf8)
      .isIn(["yz", "yang_zhang", "c2c", "close_to_close"])
      .and(pl.col("window").cast(pl.Int32).isIn([20, 60])),
  });
  const volLatest = readSnapshot(root, "volatility", {
    ...volSpec,
    latestOnly: true,
    optional: ["ci_low", "ci_high", "n", ...CONE_COLS, "cone_percentile", "reason"],
  });
  const quotes = readSnapshot(root, "quotes", {
    ...bySym,
    latestOnly: true,
    required: ["symbol"],
    optional: ["mark", "last", "mid", "close"],
  });
  const moves = readSnapshot(root, "expected_moves", {
    ...bySym,
    keys: ["symbol", "expiration"],
    latestOnly: true,
    required: ["symbol", "expiration", "move"],
    optional: ["dte", "iv", "price", "low_1sd", "high_1sd", "ci_low", "ci_high"],
  });
  const byUnderlying = { symbolCol: "underlying_symbol", symbols: sel, latestOnly: true };
  const optq = readSnapshot(root, "option_quotes", {
    ...byUnderlying,
    keys: ["underlying_symbol", "expiration_date", "strike_price", "option_type"],
    required: ["underlying_symbol", "expiration_date", "strike_price", "option_type", "implied_volatility"],
    optional: ["underlying_price", "days_to_expiration"],
  });
  const chains = readSnapshot(root, "chains", {
    ...byUnderlying,
    keys: ["underlying_symbol", "expiration_date"],
    required: ["underlying_symbol", "expiration_date"],
    optional: ["expiration_type"],
  });
  // The newest snapshot date anchors the bars' cut-off (no pass over 29M bar dates to find it).
  const newest = (["metrics", "iv_hv", "volatility", "quotes"] as const)
    .map((t) => partitionDates(root, t).at(-1))
    .filter((d): d is string => !!d)
    .sort()
    .at(-1);
  const bars = readCloses(
    root,
    sel,
    (o.priceDays ?? 252) + bandWindow + 1,
    newest ? Date.parse(`${newest}T00:00:00Z`) / 86_400_000 : null,
  );

  // Universe: everything any table knows (or exactly the requested symbols).
  const known = new Set<string>(bars.bySymbol.keys());
  for (const [t, col] of [
    [metrics, "symbol"],
    [ivhv, "symbol"],
    [volLatest, "symbol"],
    [volHist, "symbol"],
    [quotes, "symbol"],
    [moves, "symbol"],
    [optq, "underlying_symbol"],
  ] as const)
    if (t.df) for (const s of column<string>(t.df, col)) known.add(s);
  const universe = sel ? sel.filter((s) => known.has(s)) : [...known].sort();
  const missingSymbols = sel ? sel.filter((s) => !known.has(s)) : [];

  const lastRow = (t: TableRead) => {
    const m = new Map<string, number>();
    if (t.df) for (const [i, s] of column<string>(t.df, "symbol").entries()) m.set(s, i); // sorted by date: last wins
    return m;
  };
  const mLast = lastRow(metrics);
  const ivLast = lastRow(ivhv);
  const qLast = lastRow(quotes);
  const cells = new Cells();
  const get = (t: TableRead, name: string, i: number | undefined) => cells.num(t, name, i);
  const text = (t: TableRead, name: string, i: number | undefined) => cells.text(t, name, i);

  const monthly = monthlyKeys(chains.df);
  const movesMap = moves.df ? movesBySymbol(moves.df) : new Map();
  const latestPrice = new Map<string, number | null>();
  for (const s of universe) {
    const i = qLast.get(s);
    const q = ["mark", "mid", "last", "close"].map((c) => get(quotes, c, i)).find((v) => v !== null && v > 0);
    latestPrice.set(s, q ?? bars.bySymbol.get(s)?.c.at(-1) ?? null);
  }
  const opts = optq.df ? termAndSkew(optq.df, latestPrice, monthly) : null;
  const hist = historyBySymbol(metrics, ivhv, volHist);
  const latest = latestVolatility(volLatest);

  const symbols: SymbolReport[] = universe.map((s) => {
    const mi = mLast.get(s);
    const ii = ivLast.get(s);
    const lv = latest.get(s);
    const iv = get(metrics, "implied_volatility_index", mi) ?? get(ivhv, "iv_index", ii);
    const hvOf = (e: string, w: number) => lv?.find((r) => r.estimator === e && r.window === w)?.vol ?? null;
    const hv30 = get(ivhv, "hv30", ii) ?? hvOf("yz", 30);
    const em = nextMonthlyMove(s, movesMap.get(s), monthly);
    const overview: OverviewRow = {
      price: latestPrice.get(s) ?? null,
      iv,
      ivRank: get(ivhv, "iv_rank", ii),
      ivPct: get(ivhv, "iv_percentile", ii),
      ivDays: get(ivhv, "iv_history_days", ii),
      ivNote: text(ivhv, "iv_note", ii),
      ivRankApi: get(metrics, "implied_volatility_index_rank", mi),
      hv20yz: hvOf("yz", 20),
      hv20c2c: hvOf("c2c", 20),
      hv60yz: hvOf("yz", 60),
      hv60c2c: hvOf("c2c", 60),
      spread: get(ivhv, "spread", ii) ?? (iv !== null && hv30 !== null ? iv - hv30 : null),
      emMove: em?.move ?? null,
      emPct: em?.pct ?? null,
      emExp: em?.exp ?? null,
      liquidity: get(metrics, "liquidity_rating", mi),
    };
    const closes = bars.bySymbol.get(s) ?? null;
    const h = hist.get(s) ?? null;
    const cone = lv ? coneOf(lv) : null;
    const term = opts?.term.get(s) ?? null;
    const skew = opts?.skew.get(s) ?? null;
    const mv = movesMap.get(s) ?? null;
    const notes = sectionNotes({
      reads: { metrics, ivhv, volHist, volLatest, optq, moves },
      barsNote: bars.note,
      closes,
      days: h?.d.length ?? 0,
      hasStats: !!lv,
      cone,
      noIv: !!opts?.noIv.has(s),
      term,
      skew,
      moves: mv,
    });
    return {
      symbol: s,
      overview,
      history: h,
      bars: closes,
      cone,
      term,
      skew,
      moves: mv,
      stats: lv ? statsColumns(lv) : null,
      notes,
    };
  });

  const tables = tableStatus(root, {
    metrics,
    iv_hv: ivhv,
    volatility: volLatest,
    quotes,
    expected_moves: moves,
    option_quotes: optq,
    chains,
  });
  tables.push(barsStatus(root, bars.note));
  const dateSets = (["metrics", "iv_hv", "volatility"] as const).map((t) => partitionDates(root, t));
  const lastDates = tables.map((t) => t.last).filter((x): x is string => x !== null && x !== undefined);
  // An empty lake is one note, not one per table.
  const notes = tables.some((t) => t.present)
    ? tables.filter((t) => t.note).map((t) => t.note!)
    : [`the lake (${root}) has no tables yet: \`ttapi run\` fills it (bars also via \`ttapi import --out\`)`];
  if (missingSymbols.length)
    notes.unshift(
      `${missingSymbols.length} requested symbol${missingSymbols.length > 1 ? "s are" : " is"} in no lake table: ${missingSymbols.join(", ")}`,
    );
  return {
    generatedAt: (o.now ?? new Date()).toISOString(),
    asOf: lastDates.length ? lastDates.sort().at(-1)! : null,
    historyDays: Math.max(0, ...dateSets.map((d) => d.length)),
    annualization: o.annualization ?? 252,
    ownIvRank: ivhv.df !== null && !ivhv.absent.includes("iv_rank"),
    bandWindow,
    tables,
    notes,
    missingSymbols,
    symbols,
  };
}

interface NoteInputs {
  reads: Record<"metrics" | "ivhv" | "volHist" | "volLatest" | "optq" | "moves", TableRead>;
  barsNote: string | null;
  closes: { d: number[] } | null;
  days: number;
  hasStats: boolean;
  cone: ConeData | null;
  noIv: boolean;
  term: TermData | null;
  skew: SkewData | null;
  moves: MovesData | null;
}

/** Why each section of a symbol has no (or only part of its) chart: the table, column or history it lacks. */
function sectionNotes(x: NoteInputs): Partial<Record<SectionKey, Note>> {
  const r = x.reads;
  const notes: Partial<Record<SectionKey, Note>> = {};
  if (x.barsNote) notes.price = x.barsNote;
  else if (!x.closes) notes.price = "no daily bars for this symbol in `bars`";
  else if (x.closes.d.length < 2) notes.price = `needs at least 2 daily bars (${x.closes.d.length} so far)`;
  const histNote =
    !r.metrics.df && !r.volHist.df && !r.ivhv.df
      ? [r.metrics.note, r.volHist.note].filter(Boolean).join("; ")
      : x.days < 2
        ? `needs at least 2 collected days of history (${x.days} so far): each \`ttapi run\` adds one`
        : null;
  if (histNote) {
    notes.ivhv = histNote;
    notes.spark = x.days < 2 ? `${x.days} collected day${x.days === 1 ? "" : "s"}` : histNote;
  }
  if (r.volLatest.note) notes.cone = notes.stats = r.volLatest.note;
  else if (!x.hasStats)
    notes.cone = notes.stats = "no realised-volatility statistics for this symbol in `volatility`";
  else if (!x.cone) notes.cone = "`volatility` has no cone columns (cone_min … cone_max): re-run `ttapi run`";
  if (r.optq.note) notes.term = notes.skew = r.optq.note;
  else if (x.noIv)
    notes.term = notes.skew = "option quotes of the latest snapshot carry no implied volatility";
  else if (!x.term) notes.term = notes.skew = "no option quotes for this symbol in the latest snapshot";
  else if (!x.skew) notes.skew = "no monthly expiration with at least 3 quoted strikes";
  if (x.term && x.term.exp.length < 2)
    notes.term = `needs at least 2 expirations (${x.term.exp.length} quoted)`;
  if (r.moves.note) notes.moves = r.moves.note;
  else if (!x.moves || x.moves.exp.length === 0)
    notes.moves = "no expected moves for this symbol in the latest snapshot";
  return notes;
}

/** One point per collected date: IV (metrics, else iv_hv), HV20/HV60 (volatility), ATM IV30 (iv_hv). */
function historyBySymbol(metrics: TableRead, ivhv: TableRead, vol: TableRead): Map<string, HistorySeries> {
  const points = new Map<string, Map<number, Record<string, number | null>>>();
  const put = (s: string, d: number, k: string, v: number | null) => {
    let byDate = points.get(s);
    if (!byDate) {
      byDate = new Map();
      points.set(s, byDate);
    }
    let p = byDate.get(d);
    if (!p) {
      p = {};
      byDate.set(d, p);
    }
    if (v !== null || !(k in p)) p[k] = v;
  };
  const scan = (t: TableRead, cols: Record<string, string>) => {
    if (!t.df) return;
    const sym = column<string>(t.df, "symbol");
    const date = column<number>(t.df, "date");
    for (const [src, key] of Object.entries(cols)) {
      const v = column(t.df, src);
      for (let i = 0; i < sym.length; i++) put(sym[i]!, date[i]!, key, num(v[i]));
    }
  };
  scan(metrics, { implied_volatility_index: "iv" });
  scan(ivhv, { iv_index: "ivAlt", atm_iv30: "atmIv30" });
  if (vol.df) {
    const sym = column<string>(vol.df, "symbol");
    const date = column<number>(vol.df, "date");
    const est = column<string>(vol.df, "estimator");
    const win = column(vol.df, "window");
    const v = column(vol.df, "vol");
    for (let i = 0; i < sym.length; i++)
      put(sym[i]!, date[i]!, `hv${num(win[i])}${shortEst(est[i]!)}`, num(v[i]));
  }
  const out = new Map<string, HistorySeries>();
  for (const [s, byDate] of points) {
    const d = [...byDate.keys()].sort((a, b) => a - b);
    const pick = (k: string) => d.map((x) => byDate.get(x)![k] ?? null);
    const ivAlt = pick("ivAlt");
    out.set(s, {
      d,
      iv: pick("iv").map((v, i) => v ?? ivAlt[i] ?? null),
      hv20yz: pick("hv20yz"),
      hv60yz: pick("hv60yz"),
      hv20c2c: pick("hv20c2c"),
      atmIv30: pick("atmIv30"),
    });
  }
  return out;
}

/** The newest statistics rows per symbol, estimators in a fixed order then by window. */
function latestVolatility(t: TableRead): Map<string, (StatRow & Record<string, unknown>)[]> {
  const out = new Map<string, (StatRow & Record<string, unknown>)[]>();
  if (!t.df) return out;
  const df = t.df;
  const sym = column<string>(df, "symbol");
  const est = column<string>(df, "estimator");
  const win = column(df, "window");
  const c = Object.fromEntries(
    ["vol", "ci_low", "ci_high", "n", "cone_percentile", ...CONE_COLS].map((k) => [k, column(df, k)]),
  );
  const reason = column<string | null>(df, "reason");
  for (const [s, rows] of groupRows(sym)) {
    const list = rows.map((i) => ({
      estimator: shortEst(est[i]!),
      window: num(win[i]) ?? 0,
      vol: num(c.vol![i]),
      ciLow: num(c.ci_low![i]),
      ciHigh: num(c.ci_high![i]),
      n: num(c.n![i]),
      conePct: num(c.cone_percentile![i]),
      reason: reason[i] ?? null,
      cone: CONE_COLS.map((k) => num(c[k]![i])),
    }));
    const rank = (e: string) => (ESTIMATOR_ORDER.indexOf(e) + 99) % 99;
    list.sort((a, b) => rank(a.estimator) - rank(b.estimator) || a.window - b.window);
    out.set(s, list);
  }
  return out;
}

function statsColumns(rows: StatRow[]): StatsData {
  const est = [...new Set(rows.map((r) => r.estimator))];
  const w = [...new Set(rows.map((r) => r.window))].sort((a, b) => a - b);
  const cell = new Map(rows.map((r) => [`${r.estimator}|${r.window}`, r]));
  const grid = <T>(f: (r: StatRow) => T | null) =>
    est.map((e) =>
      w.map((x) => {
        const r = cell.get(`${e}|${x}`);
        return r ? f(r) : null;
      }),
    );
  return {
    est,
    w,
    vol: grid((r) => r.vol),
    lo: grid((r) => r.ciLow),
    hi: grid((r) => r.ciHigh),
    n: grid((r) => r.n),
    pct: grid((r) => r.conePct),
    reason: grid((r) => r.reason),
  };
}

/** The cone of the preferred estimator (Yang–Zhang, else close-to-close, else the first). */
function coneOf(rows: (StatRow & Record<string, unknown>)[]): ConeData | null {
  const withCone = rows.filter((r) => (r.cone as (number | null)[]).some((v) => v !== null));
  if (!withCone.length) return null;
  const est = ["yz", "c2c"].find((e) => withCone.some((r) => r.estimator === e)) ?? withCone[0]!.estimator;
  const list = withCone.filter((r) => r.estimator === est);
  const k = (j: number) => list.map((r) => (r.cone as (number | null)[])[j] ?? null);
  return {
    estimator: est,
    w: list.map((r) => r.window),
    min: k(0),
    p25: k(1),
    median: k(2),
    p75: k(3),
    max: k(4),
    today: list.map((r) => r.vol),
  };
}

function tableStatus(root: string, reads: Record<string, TableRead>): TableStatus[] {
  return Object.entries(reads).map(([table, r]) => {
    const dates = partitionDates(root, table as LakeTable);
    return {
      table,
      present: dates.length > 0,
      dates: dates.length,
      first: dates[0] ?? null,
      last: dates.at(-1) ?? null,
      note: r.note,
    };
  });
}

function barsStatus(root: string, note: string | null): TableStatus {
  const symbols = listPartitions(root, "bars").filter((p) => p.startsWith("period=D/")).length;
  return { table: "bars", present: symbols > 0, dates: 0, first: null, last: null, note, symbols };
}
