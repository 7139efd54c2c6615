/**
 * A deterministic synthetic lake in the README "The lake" layout, for the report's tests, its
 * benchmark and demos: daily bars plus `dates` collected snapshots of every table the report reads
 * (metrics, quotes, volatility, iv_hv, expected_moves, chains, option_quotes). Values are derived
 * from the bars (realised volatilities, cones) so the charts look like real ones. Same seed, same
 * lake. `omit` leaves tables out and `ownIvRank: false` drops the own IV rank columns, to test an
 * old or partial lake.
 */
import pl from "nodejs-polars";
import { isoFromDays } from "../../core/bars.ts";
import { mulberry32 } from "../../core/prng.ts";
import { nthWeekdayOfMonth } from "../../core/time.ts";
import type { SnapshotTable } from "../lake/index.ts";
import { writePartition } from "../lake/index.ts";
import { syntheticSeries, writeSymbolBars } from "../stats/synthetic.ts";

export interface SyntheticLakeOptions {
  root: string; // the lake root (`<data-dir>/lake`)
  symbols: string[];
  /** Collected snapshot dates (the last `dates` bars' dates). */
  dates: number;
  /** Daily bars per symbol (default 600). */
  bars?: number;
  seed?: number;
  omit?: SnapshotTable[] | "bars"[];
  ownIvRank?: boolean;
  /** Strikes per side of the money in the chains (default 6). */
  strikes?: number;
}

const WINDOWS = [10, 20, 30, 60, 90, 252];
const ESTIMATORS = ["c2c", "parkinson", "gk", "rs", "yz"];
const EST_SCALE: Record<string, number> = { c2c: 1, parkinson: 0.93, gk: 0.95, rs: 0.97, yz: 0.98 };

/** Annualised close-to-close volatility of the window ending at each bar (NaN before it fills). */
function rollingVol(close: Float64Array, w: number): Float64Array {
  const out = new Float64Array(close.length).fill(Number.NaN);
  let s = 0;
  let s2 = 0;
  for (let i = 1; i < close.length; i++) {
    const r = Math.log(close[i]! / close[i - 1]!);
    s += r;
    s2 += r * r;
    if (i > w) {
      const old = Math.log(close[i - w]! / close[i - w - 1]!);
      s -= old;
      s2 -= old * old;
    }
    if (i >= w) out[i] = Math.sqrt(Math.max(0, (s2 - (s * s) / w) / (w - 1)) * 252);
  }
  return out;
}

/** How many values of the sorted array are ≤ x (binary search). */
function rankOf(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (pos - lo);
}

/** Third Friday of the month of `day`, as days since epoch. */
function monthlyOf(y: number, m: number): number {
  return nthWeekdayOfMonth(y, m, 5, 3);
}

export async function writeSyntheticLake(o: SyntheticLakeOptions): Promise<{ dates: string[] }> {
  const omit = new Set<string>(o.omit ?? []);
  const nBars = o.bars ?? 600;
  const seed = o.seed ?? 7;
  const rnd = mulberry32(seed);
  const perDate = new Map<number, Record<string, Record<string, unknown[]>>>();
  let snapshotDays: number[] = [];
  const add = (day: number, table: string, row: Record<string, unknown>) => {
    const t = perDate.get(day) ?? {};
    perDate.set(day, t);
    const cols = t[table] ?? {};
    t[table] = cols;
    for (const [k, v] of Object.entries(row)) {
      const list = cols[k] ?? [];
      cols[k] = list;
      list.push(v);
    }
  };
  for (const [si, symbol] of o.symbols.entries()) {
    const s = syntheticSeries({
      rows: nBars,
      seed: seed * 1000 + si,
      start: 20000 - Math.round(nBars * 1.4),
    });
    if (!omit.has("bars")) await writeSymbolBars(o.root, symbol, s);
    const n = s.date.length;
    snapshotDays = Array.from(s.date.slice(n - o.dates));
    const vols = new Map(WINDOWS.map((w) => [w, rollingVol(s.close, w)]));
    // The cone: the distribution of each window's volatility over the history (once per symbol).
    const cones = new Map(
      WINDOWS.map((w) => [
        w,
        Array.from(vols.get(w)!)
          .filter(Number.isFinite)
          .sort((a, b) => a - b),
      ]),
    );
    const ivPremium = 1.05 + 0.2 * rnd();
    const liquidity = 1 + Math.floor(rnd() * 4);
    for (let k = n - o.dates; k < n; k++) {
      const day = s.date[k]!;
      const price = s.close[k]!;
      const snapshot_time = new Date((day * 86400 + 20 * 3600) * 1000);
      const hv30 = vols.get(30)![k]!;
      const iv = hv30 * ivPremium * (0.95 + 0.1 * rnd());
      const history = k - (n - o.dates) + 1;
      add(day, "metrics", {
        snapshot_time,
        symbol,
        implied_volatility_index: iv,
        implied_volatility_index_rank: rnd(),
        implied_volatility_percentile: rnd(),
        liquidity_rating: liquidity,
      });
      add(day, "quotes", {
        snapshot_time,
        symbol,
        bid: price - 0.01,
        ask: price + 0.01,
        mid: price,
        mark: price,
        last: price,
        close: price,
      });
      const ivhv: Record<string, unknown> = {
        snapshot_time,
        symbol,
        iv_index: iv,
        hv30,
        spread: iv - hv30,
        ratio: iv / hv30,
        reason: null,
      };
      if (o.ownIvRank !== false) {
        const enough = history >= 20;
        Object.assign(ivhv, {
          iv_rank: enough ? rnd() : null,
          iv_percentile: enough ? rnd() : null,
          iv_history_days: history,
          atm_iv30: iv * (0.97 + 0.06 * rnd()),
          iv_note: enough ? null : "insufficient history",
        });
      }
      add(day, "iv_hv", ivhv);
      for (const w of WINDOWS) {
        const series = vols.get(w)!;
        const hist = cones.get(w)!;
        for (const est of ESTIMATORS) {
          const scale = EST_SCALE[est]!;
          const vol = Number.isFinite(series[k]!) ? series[k]! * scale : null;
          const half = vol === null ? 0 : (vol * 1.96) / Math.sqrt(2 * w);
          add(day, "volatility", {
            snapshot_time,
            symbol,
            estimator: est,
            window: w,
            vol,
            ci_low: vol === null ? null : vol - half,
            ci_high: vol === null ? null : vol + half,
            n: w,
            asof: new Date(day * 86400000),
            cone_min: hist.length ? hist[0]! * scale : null,
            cone_p25: hist.length ? quantile(hist, 0.25) * scale : null,
            cone_median: hist.length ? quantile(hist, 0.5) * scale : null,
            cone_p75: hist.length ? quantile(hist, 0.75) * scale : null,
            cone_max: hist.length ? hist[hist.length - 1]! * scale : null,
            cone_percentile: vol === null || !hist.length ? null : rankOf(hist, vol / scale) / hist.length,
            reason: vol === null ? "not enough bars" : null,
          });
        }
      }
      // Expirations: the next 4 weekly Fridays and the next 4 monthly ones.
      const exps = new Map<number, string>();
      let f = day + 1;
      while (exps.size < 4) {
        if ((f + 4) % 7 === 5) exps.set(f, "Weekly");
        f++;
      }
      const iso = isoFromDays(day);
      let y = Number(iso.slice(0, 4));
      let m = Number(iso.slice(5, 7));
      for (let got = 0; got < 4; ) {
        const third = monthlyOf(y, m);
        if (third > day) {
          exps.set(third, "Regular");
          got++;
        }
        m++;
        if (m > 12) {
          m = 1;
          y++;
        }
      }
      const step = price > 200 ? 5 : price > 50 ? 1 : 0.5;
      const atm = Math.round(price / step) * step;
      for (const [exp, type] of [...exps.entries()].sort((a, b) => a[0] - b[0])) {
        const dte = exp - day;
        const t = dte / 365;
        const atmIv = iv * (1 + 0.1 * Math.exp(-dte / 30));
        const move = price * atmIv * Math.sqrt(t);
        add(day, "expected_moves", {
          snapshot_time,
          symbol,
          expiration: new Date(exp * 86400000),
          dte,
          iv: atmIv,
          price,
          move,
          low_1sd: price - move,
          high_1sd: price + move,
          ci_low: move * 0.9,
          ci_high: move * 1.1,
          reason: null,
        });
        const nStrikes = o.strikes ?? 6;
        for (let j = -nStrikes; j <= nStrikes; j++) {
          const strike = atm + j * step;
          if (strike <= 0) continue;
          const logM = Math.log(strike / price) / Math.max(0.05, atmIv * Math.sqrt(t));
          for (const type2 of ["C", "P"]) {
            const occ = `${symbol.padEnd(6)}${iso.slice(2, 4)}${type2}${strike}`;
            const base = {
              snapshot_time,
              underlying_symbol: symbol,
              option_symbol: occ,
              streamer_symbol: `.${symbol}${exp}${type2}${strike}`,
              option_type: type2,
              expiration_date: new Date(exp * 86400000),
              days_to_expiration: dte,
              strike_price: strike,
            };
            add(day, "chains", {
              ...base,
              root_symbol: symbol,
              expiration_type: type,
              settlement_type: "PM",
              shares_per_contract: 100,
            });
            const optIv = atmIv * (1 - 0.08 * logM + 0.03 * logM * logM) * (type2 === "P" ? 1.01 : 1);
            const intrinsic = Math.max(0, type2 === "C" ? price - strike : strike - price);
            const mark = intrinsic + move * 0.4 * Math.exp(-0.5 * logM * logM);
            add(day, "option_quotes", {
              ...base,
              underlying_price: price,
              bid: mark * 0.98,
              ask: mark * 1.02,
              mark,
              last: mark,
              volume: Math.floor(rnd() * 500),
              open_interest: Math.floor(rnd() * 5000),
              implied_volatility: optIv,
              delta: type2 === "C" ? 0.5 - 0.4 * Math.tanh(logM) : -0.5 - 0.4 * Math.tanh(logM),
              gamma: 0.01,
              theta: -0.02,
              vega: 0.1,
              rho: 0.01,
              theo_price: mark,
            });
          }
        }
      }
    }
  }
  const dates: string[] = [];
  for (const day of snapshotDays) {
    const tables = perDate.get(day) ?? {};
    dates.push(isoFromDays(day));
    for (const [table, cols] of Object.entries(tables)) {
      if (omit.has(table)) continue;
      await writePartition(o.root, table as SnapshotTable, { date: isoFromDays(day) }, frameOf(cols));
    }
  }
  return { dates };
}

/** Column arrays → a frame with the lake's types (Date/Datetime/Int32 where the contract says). */
function frameOf(cols: Record<string, unknown[]>): pl.DataFrame {
  const series = Object.entries(cols).map(([name, values]) => {
    if (name === "snapshot_time") return pl.Series(name, values as Date[], pl.Datetime("ms"));
    if (name === "asof" || name === "expiration" || name === "expiration_date")
      return pl.Series(name, values as Date[]).cast(pl.Date);
    if (name === "window" || name === "n" || name === "days_to_expiration" || name === "shares_per_contract")
      return pl.Series(name, values as number[], pl.Int32);
    if (name === "iv_history_days") return pl.Series(name, values as number[], pl.Int32);
    const first = values.find((v) => v !== null && v !== undefined);
    if (typeof first === "string" || (first === undefined && (name === "reason" || name === "iv_note")))
      return pl.Series(name, values as (string | null)[], pl.Utf8);
    return pl.Series(name, values as (number | null)[], pl.Float64);
  });
  return pl.DataFrame(series);
}
