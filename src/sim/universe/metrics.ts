/**
 * Market metrics (IV index, rank and percentile, HV30/60/90, per-expiration IVs, liquidity,
 * fundamentals) and the equity instrument record, each built once per symbol from its path,
 * chain and profile.
 */
import { historicalVolatility, roundCents } from "./market.ts";
import type { MarketState } from "./market-state.ts";
import { chainOf } from "./options.ts";
import { hash32, Rng } from "./prng.ts";
import { atmVolOf } from "./surface.ts";
import type { EquityInfo, ExpirationIv, MarketMetrics, SymbolState } from "./types.ts";

export function metricsOf(mk: MarketState, s: SymbolState): MarketMetrics {
  if (s.metrics) return s.metrics;
  const p = mk.path(s);
  const n = p.iv30.length;
  const iv = p.iv30[n - 1] as number;
  let lo = Infinity;
  let hi = -Infinity;
  let below = 0;
  const from = Math.max(0, n - 252);
  for (let k = from; k < n; k++) {
    const v = p.iv30[k] as number;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    if (v < iv) below++;
  }
  const close = p.bars.close;
  const hv30 = historicalVolatility(close, 30);
  const rng = Rng.fromKey(mk.seed, s.profile.symbol, "metrics");
  const price = mk.lastClose(s);
  const chain = chainOf(mk, s);
  const expirationIvs: ExpirationIv[] = [];
  for (const root of chain.roots) {
    for (const e of root.expirations) {
      expirationIvs.push({
        expirationDate: e.date,
        settlementType: e.settlement,
        optionChainType: root.chainType,
        impliedVolatility: round6(atmVolOf(mk, s, Math.max(e.daysToExpiration, 0.25) / 365)),
      });
    }
  }
  const single = !s.profile.isEtf && !s.profile.isIndex;
  const eps = single ? Math.round((price / rng.range(12, 45)) * 100) / 100 : Number.NaN;
  const info = equityOf(mk, s);
  let nextEarnings: number | null = null;
  if (single) {
    const daysIdx = p.bars.day;
    // Earnings jumps land every 63 mk.sessions on the path; the next one is that many mk.sessions on.
    const sinceLast = (n - 1 + s.profile.earningsPhase) % 63;
    nextEarnings = (daysIdx[n - 1] as number) + Math.round(((63 - sinceLast) * 7) / 5);
  }
  s.metrics = {
    symbol: s.profile.symbol,
    ivIndex: round6(iv),
    ivIndex5DayChange: round6(iv - (p.iv30[n - 6] as number)),
    ivRank: round6(hi > lo ? (iv - lo) / (hi - lo) : 0),
    ivPercentile: round6(below / (n - from)),
    iv30: round6(atmVolOf(mk, s, 30 / 365)),
    hv30: round6(hv30),
    hv60: round6(historicalVolatility(close, 60)),
    hv90: round6(historicalVolatility(close, 90)),
    ivHv30Difference: round6(atmVolOf(mk, s, 30 / 365) - hv30),
    beta: round6(s.profile.beta),
    corrSpy3Month: round6(s.profile.isEtf || s.profile.isIndex ? rng.range(0.8, 0.99) : rng.range(0.2, 0.85)),
    dividendYield: round6(s.profile.dividendYield),
    dividendRatePerShare: roundCents(price * s.profile.dividendYield),
    marketCap: Math.round(price * rng.range(2e8, 1.5e10)),
    liquidityRating: Math.max(1, Math.min(5, 5 - Math.floor(s.rank / 100))),
    liquidityRank: round6(s.rank / mk.symbols.length),
    priceEarningsRatio: single ? roundCents(price / eps) : Number.NaN,
    earningsPerShare: eps,
    lendability: info.lendability,
    listedMarket: info.listedMarket,
    borrowRate: info.lendability === "Easy To Borrow" ? 0 : round6(rng.range(0.5, 25)),
    expirationIvs,
    nextEarningsDay: nextEarnings,
    asOfMs: mk.closeMs,
  };
  return s.metrics;
}

export function equityOf(mk: MarketState, s: SymbolState): EquityInfo {
  if (s.equity) return s.equity;
  const sym = s.profile.symbol;
  const h = hash32(`${mk.seed}|${sym}|equity`);
  const kind = s.profile.isIndex
    ? "Index"
    : s.profile.isEtf
      ? "ETF Trust"
      : sym.includes("/")
        ? "Class B Common Stock"
        : "Common Stock";
  const lendability =
    s.rank < 400 || s.profile.isEtf ? "Easy To Borrow" : h % 3 === 0 ? "Locate Required" : "Preborrow";
  s.equity = {
    id: 1000 + s.rank * 7 + (h % 5),
    symbol: sym,
    streamerSymbol: sym,
    description: `${sym} ${kind} (simulated)`,
    isEtf: s.profile.isEtf,
    isIndex: s.profile.isIndex,
    listedMarket: s.profile.isIndex ? "XCBO" : s.profile.isEtf ? "ARCX" : h % 2 === 0 ? "XNAS" : "XNYS",
    cusip: cusipFor(h),
    lendability,
    isIlliquid: s.rank >= 480,
  };
  return s.equity;
}

function round6(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : Number.NaN;
}

function cusipFor(h: number): string {
  const alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  let x = h;
  let out = "";
  for (let i = 0; i < 9; i++) {
    out += alphabet[x % alphabet.length];
    x = Math.floor(x / alphabet.length) + (i + 1) * 7919;
  }
  return out;
}
