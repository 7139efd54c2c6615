/**
 * Universe objects → the REST wire format: kebab-case keys, numbers as JSON strings (`"500.0"`),
 * ints only where the real API sends ints (`id`, `days-to-expiration`, `shares-per-contract`,
 * `halt-start-time`), `"NaN"` for a missing number. Field sets follow the captured fixtures in
 * `fixtures/tastytrade/` (the conformance tests compare shapes key by key).
 */
import type { Json } from "../../core/json.ts";
import {
  type ChainRoot,
  decimalText,
  type EquityInfo,
  isoFromDays,
  isoTimestamp,
  type MarketMetrics,
  occSymbol,
  type SimAccount,
  type SimBalance,
  type SimPosition,
  streamerOptionSymbol,
  type Universe,
} from "../universe/index.ts";

const DAY_MS = 86_400_000;

/** Money/price string: rounded to 1e-6 to drop float noise, then the API's decimal form. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return "NaN";
  return decimalText(Math.round(x * 1e6) / 1e6);
}

export function equityJson(e: EquityInfo): Json {
  const tickSizes: Json = e.isIndex
    ? [{ value: "0.01" }]
    : [{ threshold: "1.0", value: "0.0001" }, { value: "0.01" }];
  return {
    active: true,
    "bypass-manual-review": false,
    cusip: e.cusip,
    description: e.description,
    id: e.id,
    "instrument-type": "Equity",
    "is-closing-only": false,
    "is-etf": e.isEtf,
    "is-fraud-risk": false,
    "is-illiquid": e.isIlliquid,
    "is-index": e.isIndex,
    "is-options-closing-only": false,
    lendability: e.lendability,
    "listed-market": e.listedMarket,
    "market-time-instrument-collection": "Equity",
    "overnight-trading-permitted": false,
    "short-description": e.description.replace(/ \(simulated\)$/, ""),
    "streamer-symbol": e.streamerSymbol,
    symbol: e.symbol,
    "tick-sizes": tickSizes,
  };
}

function strikeJson(root: string, day: number, strike: number): Json {
  const call = { root, expiration: day, isCall: true, strike };
  const put = { root, expiration: day, isCall: false, strike };
  return {
    call: occSymbol(call),
    "call-streamer-symbol": streamerOptionSymbol(call),
    put: occSymbol(put),
    "put-streamer-symbol": streamerOptionSymbol(put),
    "strike-price": num(strike),
  };
}

function deliverables(root: ChainRoot, idBase: number): Json {
  const shares = {
    amount: num(root.deliverableShares),
    "deliverable-type": "Shares",
    description: `${root.deliverableShares} shares of ${root.underlying}`,
    id: idBase,
    "instrument-type": "Equity",
    percent: "100",
    "root-symbol": root.root,
    symbol: root.underlying,
  };
  if (root.chainType === "Standard") return [shares];
  // Adjusted contracts deliver shares plus cash (the usual aftermath of a special dividend).
  return [
    shares,
    {
      amount: "250.0",
      "deliverable-type": "Cash",
      description: "$250.00 cash in lieu",
      id: idBase + 1,
      "instrument-type": "Cash",
      percent: "100",
      "root-symbol": root.root,
      symbol: "USD",
    },
  ];
}

export function nestedChainJson(u: Universe, symbol: string): Json | undefined {
  const chain = u.chain(symbol);
  const eq = u.equity(symbol);
  if (!chain || !eq) return undefined;
  return {
    items: chain.roots.map((root, i) => ({
      deliverables: deliverables(root, eq.id * 10 + i * 2),
      expirations: root.expirations.map((e) => ({
        "days-to-expiration": e.daysToExpiration,
        "expiration-date": e.date,
        "expiration-type": e.type,
        "settlement-type": e.settlement,
        strikes: e.strikes.map((k) => strikeJson(root.root, e.day, k)),
      })),
      "option-chain-type": root.chainType,
      "root-symbol": root.root,
      "shares-per-contract": root.sharesPerContract,
      // Penny increments on the index/ETF products, nickels above $3 on single stocks.
      "tick-sizes":
        eq.isEtf || eq.isIndex
          ? [{ value: "0.01" }]
          : [{ threshold: "3.0", value: "0.01" }, { value: "0.05" }],
      "underlying-symbol": root.underlying,
    })),
  } as Json;
}

export function compactChainJson(u: Universe, symbol: string): Json | undefined {
  const chain = u.chain(symbol);
  const eq = u.equity(symbol);
  if (!chain || !eq) return undefined;
  return {
    items: chain.roots.map((root, i) => {
      const symbols: string[] = [];
      const streamer: string[] = [];
      for (const e of root.expirations) {
        for (const strike of e.strikes) {
          for (const isCall of [true, false]) {
            const key = { root: root.root, expiration: e.day, isCall, strike };
            symbols.push(occSymbol(key));
            streamer.push(streamerOptionSymbol(key));
          }
        }
      }
      const settlement = root.expirations[0]?.settlement ?? "PM";
      return {
        "underlying-symbol": root.underlying,
        "root-symbol": root.root,
        "option-chain-type": root.chainType,
        "settlement-type": settlement,
        "shares-per-contract": root.sharesPerContract,
        "expiration-type": root.expirations[0]?.type ?? "Regular",
        deliverables: deliverables(root, eq.id * 10 + i * 2),
        symbols,
        "streamer-symbols": streamer,
      };
    }),
  };
}

export function metricsJson(m: MarketMetrics): Json {
  const ts = isoTimestamp(m.asOfMs);
  const out: Record<string, Json> = {
    symbol: m.symbol,
    "implied-volatility-index": num(m.ivIndex),
    "implied-volatility-index-5-day-change": num(m.ivIndex5DayChange),
    "implied-volatility-index-rank": num(m.ivRank),
    "tos-implied-volatility-index-rank": num(m.ivRank),
    "tw-implied-volatility-index-rank": num(m.ivRank),
    "tos-implied-volatility-index-rank-updated-at": ts,
    "implied-volatility-index-rank-source": "tos",
    "implied-volatility-percentile": num(m.ivPercentile),
    "implied-volatility-updated-at": ts,
    "liquidity-value": num(m.liquidityRank * 1000),
    "liquidity-rank": num(m.liquidityRank),
    "liquidity-rating": m.liquidityRating,
    "created-at": ts,
    "updated-at": ts,
    "option-expiration-implied-volatilities": m.expirationIvs.map((e) => ({
      "expiration-date": e.expirationDate,
      "option-chain-type": e.optionChainType,
      "settlement-type": e.settlementType,
      "implied-volatility": num(e.impliedVolatility),
    })),
    beta: num(m.beta),
    "beta-updated-at": ts,
    "corr-spy-3month": num(m.corrSpy3Month),
    "dividend-rate-per-share": num(m.dividendRatePerShare),
    "dividend-yield": num(m.dividendYield),
    "listed-market": m.listedMarket,
    lendability: m.lendability,
    "borrow-rate": num(m.borrowRate),
    "market-cap": num(m.marketCap),
    "implied-volatility-30-day": num(m.iv30),
    "historical-volatility-30-day": num(m.hv30),
    "historical-volatility-60-day": num(m.hv60),
    "historical-volatility-90-day": num(m.hv90),
    "iv-hv-30-day-difference": num(m.ivHv30Difference),
    "price-earnings-ratio": num(m.priceEarningsRatio),
    "earnings-per-share": num(m.earningsPerShare),
  };
  if (m.nextEarningsDay !== null) {
    out.earnings = {
      visible: true,
      "expected-report-date": isoFromDays(m.nextEarningsDay),
      estimated: true,
      "late-flag": 0,
      "quarter-end-date": isoFromDays(m.nextEarningsDay - 30),
      "actual-eps": num(m.earningsPerShare / 4),
      "consensus-estimate": num(m.earningsPerShare / 4),
      "updated-at": ts,
    };
  }
  return out;
}

/** One `/market-data/by-type` row for an equity or index at time t. */
export function equityQuoteRowJson(u: Universe, symbol: string, tMs: number): Json | undefined {
  const q = u.quote(symbol, tMs);
  const s = u.dayStats(symbol, tMs);
  const p = u.profile(symbol);
  const m = u.metrics(symbol);
  if (!q || !s || !p || !m) return undefined;
  const row: Record<string, Json> = {
    symbol,
    "instrument-type": p.isIndex ? "Index" : "Equity",
    "updated-at": new Date(tMs).toISOString(),
    bid: num(q.bid),
    "bid-size": num(q.bidSize),
    ask: num(q.ask),
    "ask-size": num(q.askSize),
    mid: num(q.mid),
    mark: num(q.mid),
    last: num(q.last),
    "last-mkt": num(q.last),
    beta: num(m.beta),
    "dividend-amount": num(m.dividendRatePerShare / 4),
    "dividend-frequency": "4.0",
    open: num(s.open),
    "day-high-price": num(s.high),
    "day-low-price": num(s.low),
    "close-price-type": Number.isFinite(s.close) ? "Final" : "Unknown",
    "prev-close": num(s.prevClose),
    "prev-close-price-type": "Final",
    "summary-date": isoFromDays(s.day),
    "prev-close-date": isoFromDays(s.prevDay),
    "low-limit-price": num(Math.round(s.prevClose * 90) / 100),
    "high-limit-price": num(Math.round(s.prevClose * 110) / 100),
    "is-trading-halted": false,
    "halt-start-time": -1,
    "halt-end-time": -1,
    "year-low-price": num(s.yearLow),
    "year-high-price": num(s.yearHigh),
    volume: num(s.volume),
  };
  // A finished session has a close; one still trading does not (the real API omits the field).
  if (Number.isFinite(s.close)) row.close = num(s.close);
  return row;
}

export function optionQuoteRowJson(u: Universe, occ: string, tMs: number): Json | undefined {
  const c = u.option(occ);
  if (!c) return undefined;
  const q = u.quote(c.streamer, tMs);
  const close = u.quote(c.streamer, u.closeMs - DAY_MS);
  if (!q || !close) return undefined;
  const day = Math.floor(tMs / DAY_MS);
  return {
    symbol: c.occ,
    "instrument-type": "Equity Option",
    "updated-at": new Date(tMs).toISOString(),
    bid: num(q.bid),
    "bid-size": num(q.bidSize),
    ask: num(q.ask),
    "ask-size": num(q.askSize),
    mid: num(q.mid),
    mark: num(q.mid),
    last: num(q.last),
    "last-mkt": num(q.last),
    open: num(close.mid),
    "day-high-price": num(Math.max(q.ask, close.mid)),
    "day-low-price": num(Math.min(q.bid, close.mid)),
    "close-price-type": "Unknown",
    "prev-close": num(close.mid),
    "prev-close-price-type": "Final",
    "summary-date": isoFromDays(day),
    "prev-close-date": isoFromDays(day - 1),
    "is-trading-halted": false,
    "halt-start-time": -1,
    "halt-end-time": -1,
  };
}

export function accountJson(a: SimAccount): Json {
  const opened = isoTimestamp(a.openedDay * DAY_MS + 14 * 3_600_000);
  return {
    account: {
      "account-number": a.accountNumber,
      "account-type-name": a.accountTypeName,
      "created-at": opened,
      "day-trader-status": false,
      "investment-objective": "GROWTH",
      "is-closed": false,
      "is-firm-error": false,
      "is-firm-proprietary": false,
      "is-foreign": false,
      "is-futures-approved": a.marginOrCash === "Margin",
      "margin-or-cash": a.marginOrCash,
      nickname: a.nickname,
      "opened-at": opened,
      "suitable-options-level": a.optionsLevel,
    },
    "authority-level": a.authorityLevel,
  };
}

export function balanceJson(b: SimBalance, tMs: number): Json {
  const zero = "0.0";
  return {
    "account-number": b.accountNumber,
    currency: b.currency,
    "cash-balance": num(b.cash),
    "long-equity-value": num(b.longEquityValue),
    "short-equity-value": num(b.shortEquityValue),
    "long-derivative-value": num(b.longDerivativeValue),
    "short-derivative-value": num(b.shortDerivativeValue),
    "long-futures-value": zero,
    "short-futures-value": zero,
    "long-futures-derivative-value": zero,
    "short-futures-derivative-value": zero,
    "long-margineable-value": num(b.longEquityValue),
    "short-margineable-value": num(b.shortEquityValue),
    "margin-equity": num(b.netLiquidatingValue),
    "equity-buying-power": num(b.equityBuyingPower),
    "derivative-buying-power": num(b.derivativeBuyingPower),
    "day-trading-buying-power": zero,
    "futures-margin-requirement": zero,
    "available-trading-funds": num(b.derivativeBuyingPower),
    "maintenance-requirement": num(b.maintenanceRequirement),
    "maintenance-call-value": zero,
    "reg-t-call-value": zero,
    "day-trading-call-value": zero,
    "day-equity-call-value": zero,
    "net-liquidating-value": num(b.netLiquidatingValue),
    "cash-available-to-withdraw": num(Math.max(0, b.cash)),
    "day-trade-excess": num(b.derivativeBuyingPower),
    "pending-cash": zero,
    "pending-cash-effect": "None",
    "long-cryptocurrency-value": zero,
    "short-cryptocurrency-value": zero,
    "cryptocurrency-margin-requirement": zero,
    "unsettled-cryptocurrency-fiat-amount": zero,
    "unsettled-cryptocurrency-fiat-effect": "None",
    "closed-loop-available-balance": num(Math.max(0, b.cash)),
    "equity-offering-margin-requirement": zero,
    "long-bond-value": zero,
    "bond-margin-requirement": zero,
    "snapshot-date": isoFromDays(b.day),
    "reg-t-margin-requirement": num(b.maintenanceRequirement),
    "futures-overnight-margin-requirement": zero,
    "futures-intraday-margin-requirement": zero,
    "maintenance-excess": num(b.netLiquidatingValue - b.maintenanceRequirement),
    "pending-margin-interest": zero,
    "effective-cryptocurrency-buying-power": zero,
    "updated-at": isoTimestamp(tMs),
  };
}

export function positionJson(p: SimPosition, tMs: number, includeMarks: boolean): Json {
  const opened = isoTimestamp(p.openedDay * DAY_MS + 15 * 3_600_000);
  const out: Record<string, Json> = {
    "account-number": p.accountNumber,
    symbol: p.symbol,
    "instrument-type": p.instrumentType,
    "underlying-symbol": p.underlyingSymbol,
    quantity: num(p.quantity),
    "quantity-direction": p.direction,
    "close-price": num(p.closePrice),
    "average-open-price": num(p.averageOpenPrice),
    "average-yearly-market-close-price": num(p.averageOpenPrice),
    "average-daily-market-close-price": num(p.closePrice),
    multiplier: p.multiplier,
    "cost-effect": p.direction === "Long" ? "Debit" : "Credit",
    "is-suppressed": false,
    "is-frozen": false,
    "restricted-quantity": "0.0",
    "realized-day-gain": "0.0",
    "realized-day-gain-effect": "None",
    "realized-day-gain-date": isoFromDays(Math.floor(tMs / DAY_MS)),
    "realized-today": "0.0",
    "realized-today-effect": "None",
    "realized-today-date": isoFromDays(Math.floor(tMs / DAY_MS)),
    "created-at": opened,
    "updated-at": isoTimestamp(tMs),
  };
  if (p.expiresAtMs !== null) out["expires-at"] = isoTimestamp(p.expiresAtMs);
  if (includeMarks) {
    out.mark = num(p.mark * p.multiplier * p.quantity);
    out["mark-price"] = num(p.mark);
  }
  return out;
}
