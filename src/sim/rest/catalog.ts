/**
 * The sim's small futures and crypto catalog (the universe is equities and options; these routes
 * exist so clients that list futures products, futures, cryptocurrencies, decimal precisions or
 * search symbols get real wire shapes). Futures contracts are listed from the sim's "today".
 */

import type { Json } from "../../core/json.ts";
import { civil, isoTimestamp, lastSessionOfMonth, thirdFriday } from "../universe/calendar.ts";
import { isoFromDays } from "../universe/index.ts";
import { hash32 } from "../universe/prng.ts";

const DAY_MS = 86_400_000;
const MONTH_CODES = "FGHJKMNQUVXZ";

interface Product {
  code: string;
  description: string;
  exchange: string;
  sector: string;
  months: string;
  tick: string;
  multiplier: string;
  display: string;
  cashSettled: boolean;
  productGroup: string;
  cutoffSec: number;
  /** Expiration rule: third Friday of the month, or the last session of the month before. */
  expiry: "third-friday" | "prior-month-end";
}

const PRODUCTS: Product[] = [
  {
    code: "ES",
    description: "E-Mini S&P 500",
    exchange: "CME",
    sector: "Equity Index",
    months: "HMUZ",
    tick: "0.25",
    multiplier: "50.0",
    display: "0.01",
    cashSettled: true,
    productGroup: "CME_INDEX",
    cutoffSec: 34200,
    expiry: "third-friday",
  },
  {
    code: "NQ",
    description: "E-Mini Nasdaq 100",
    exchange: "CME",
    sector: "Equity Index",
    months: "HMUZ",
    tick: "0.25",
    multiplier: "20.0",
    display: "0.01",
    cashSettled: true,
    productGroup: "CME_INDEX",
    cutoffSec: 34200,
    expiry: "third-friday",
  },
  {
    code: "MES",
    description: "Micro E Mini S&P",
    exchange: "CME",
    sector: "Equity Index",
    months: "HMUZ",
    tick: "0.25",
    multiplier: "5.0",
    display: "0.01",
    cashSettled: true,
    productGroup: "CME_INDEX",
    cutoffSec: 34200,
    expiry: "third-friday",
  },
  {
    code: "CL",
    description: "Light Sweet Crude Oil",
    exchange: "CME",
    sector: "Energy",
    months: "FGHJKMNQUVXZ",
    tick: "0.01",
    multiplier: "1000.0",
    display: "0.01",
    cashSettled: false,
    productGroup: "CME_ENERGY",
    cutoffSec: 52200,
    expiry: "prior-month-end",
  },
  {
    code: "GC",
    description: "Gold",
    exchange: "CME",
    sector: "Metals",
    months: "GJMQVZ",
    tick: "0.1",
    multiplier: "100.0",
    display: "0.01",
    cashSettled: false,
    productGroup: "CME_METALS",
    cutoffSec: 48600,
    expiry: "prior-month-end",
  },
  {
    code: "ZC",
    description: "Corn",
    exchange: "CME",
    sector: "Grains",
    months: "HKNUZ",
    tick: "0.25",
    multiplier: "50.0",
    display: "0.01",
    cashSettled: false,
    productGroup: "CME_COMMODITY",
    cutoffSec: 47700,
    expiry: "prior-month-end",
  },
  {
    code: "6A",
    description: "Australian dollar",
    exchange: "CME",
    sector: "Currency",
    months: "HMUZ",
    tick: "0.00005",
    multiplier: "100000.0",
    display: "1.0",
    cashSettled: false,
    productGroup: "CME_FX",
    cutoffSec: 51360,
    expiry: "third-friday",
  },
];

const CRYPTO = [
  { symbol: "BTC/USD", description: "Bitcoin", tick: "0.01", qty: 8, price: 94_000 },
  { symbol: "ETH/USD", description: "Ethereum", tick: "0.01", qty: 8, price: 3_200 },
  { symbol: "SOL/USD", description: "Solana", tick: "0.01", qty: 6, price: 150 },
  { symbol: "DOGE/USD", description: "Dogecoin", tick: "0.0001", qty: 1, price: 0.17 },
];

/**
 * A `/market-data/by-type` row for a cryptocurrency at time t: crypto trades around the clock, so
 * the price is a smooth deterministic function of (seed, symbol, t) around a fixed level. Like the
 * captured rows, crypto rows carry no close, volume, beta or dividend fields.
 */
export function cryptoQuoteRowJson(seed: string, symbol: string, tMs: number): Json | undefined {
  const c = CRYPTO.find((x) => x.symbol === symbol);
  if (!c) return undefined;
  const h = hash32(`${seed}|${symbol}|crypto`);
  const px = (t: number) => {
    const m = t / 60_000;
    const s =
      0.6 * Math.sin(m / 211 + (h % 97)) +
      0.3 * Math.sin(m / 37 + (h % 89)) +
      0.1 * Math.sin(m / 5 + (h % 83));
    return c.price * Math.exp(0.03 * s);
  };
  const dp = c.price < 1 ? 5 : 2;
  const round = (x: number) => Number(x.toFixed(dp));
  const day = Math.floor(tMs / DAY_MS);
  const last = round(px(tMs));
  const spread = Math.max(10 ** -dp, round(last * 0.0002));
  const open = round(px(day * DAY_MS));
  let hi = Math.max(open, last);
  let lo = Math.min(open, last);
  for (let k = day * DAY_MS; k < tMs; k += 600_000) {
    hi = Math.max(hi, round(px(k)));
    lo = Math.min(lo, round(px(k)));
  }
  const bid = round(last - spread / 2);
  const ask = round(last + spread / 2);
  const mid = round((bid + ask) / 2);
  return {
    symbol: c.symbol,
    "instrument-type": "Cryptocurrency",
    "updated-at": new Date(tMs).toISOString(),
    bid: decimal(bid),
    "bid-size": decimal((h % 1000) / 1000),
    ask: decimal(ask),
    "ask-size": decimal(((h >>> 10) % 1000) / 1000),
    mid: decimal(mid),
    mark: decimal(mid),
    last: decimal(last),
    "last-mkt": decimal(last),
    open: decimal(open),
    "day-high-price": decimal(hi),
    "day-low-price": decimal(lo),
    "close-price-type": "Regular",
    "prev-close": decimal(round(px(day * DAY_MS - 1))),
    "prev-close-price-type": "Regular",
    "summary-date": isoFromDays(day),
    "prev-close-date": isoFromDays(day - 1),
    "is-trading-halted": false,
    "halt-start-time": -1,
    "halt-end-time": -1,
    "year-low-price": decimal(round(c.price * Math.exp(-0.04))),
    "year-high-price": decimal(round(c.price * Math.exp(0.04))),
  };
}

function decimal(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

function cutoff(p: Product): Json {
  return [{ "offset-seconds": p.cutoffSec, timezone: "Market Zone", timing: "Default" }];
}

function roll(p: Product): Json {
  return {
    "active-count": p.months.length > 4 ? 7 : 2,
    "business-days-offset": 5,
    "cash-settled": p.cashSettled,
    "first-notice": !p.cashSettled,
    name: p.cashSettled ? "equity_index" : "commodities",
  };
}

function productBase(p: Product): Record<string, Json> {
  return {
    "active-months": [...p.months],
    "back-month-first-calendar-symbol": false,
    "cash-settled": p.cashSettled,
    "clearing-code": p.code,
    "clearing-exchange-code": "16",
    "clearport-code": p.code,
    code: p.code,
    description: p.description,
    "display-factor": p.display,
    exchange: p.exchange,
    "first-notice": !p.cashSettled,
    "futures-trading-cutoff-times": cutoff(p),
    "legacy-code": p.code,
    "legacy-exchange-code": p.exchange,
    "listed-months": [...p.months],
    "market-sector": p.sector,
    "notional-multiplier": p.multiplier,
    "product-type": p.cashSettled ? "Financial" : "Physical",
    roll: roll(p),
    "root-symbol": `/${p.code}`,
    "security-group": p.code,
    "small-notional": p.code.startsWith("M"),
    "streamer-exchange-code": "XCME",
    supported: true,
    "tick-size": p.tick,
  };
}

export function futureProductsJson(): Json {
  return {
    items: PRODUCTS.map((p) => ({
      ...productBase(p),
      "option-products": [
        {
          "cash-settled": p.cashSettled,
          "clearing-code": p.code,
          "clearing-exchange-code": "16",
          "clearing-price-multiplier": "1.0",
          "clearport-code": p.code,
          code: p.code,
          "display-factor": p.display,
          exchange: p.exchange,
          "expiration-type": "Quarterly",
          "futures-trading-cutoff-times": cutoff(p),
          "is-am-settled": p.cashSettled,
          "is-rollover": false,
          "legacy-code": p.code,
          "market-sector": p.sector,
          "product-type": "Physical",
          "root-symbol": p.code,
          "settlement-delay-days": 0,
          supported: true,
        },
      ],
      "underlying-description": p.description,
      "underlying-identifier": p.code,
    })),
  };
}

interface Contract {
  p: Product;
  symbol: string;
  streamer: string;
  expiration: number;
  year: number;
  month: number;
}

function contracts(today: number, productCodes: readonly string[]): Contract[] {
  const out: Contract[] = [];
  const { y, m } = civil(today);
  for (const p of PRODUCTS) {
    if (productCodes.length > 0 && !productCodes.includes(p.code)) continue;
    let listed = 0;
    for (let k = 0; k < 24 && listed < 3; k++) {
      const month = ((m - 1 + k) % 12) + 1;
      const year = y + Math.floor((m - 1 + k) / 12);
      const code = MONTH_CODES[month - 1] as string;
      if (!p.months.includes(code)) continue;
      const expiration =
        p.expiry === "third-friday"
          ? thirdFriday(year, month)
          : lastSessionOfMonth(month === 1 ? year - 1 : year, month === 1 ? 12 : month - 1);
      if (expiration < today) continue;
      listed++;
      out.push({
        p,
        symbol: `/${p.code}${code}${year % 10}`,
        streamer: `/${p.code}${code}${String(year % 100).padStart(2, "0")}:XCME`,
        expiration,
        year,
        month,
      });
    }
  }
  return out;
}

export function futuresJson(today: number, productCodes: readonly string[]): Json {
  const list = contracts(today, productCodes);
  return {
    items: list.map((c, i) => {
      const expiresAt = isoTimestamp(c.expiration * DAY_MS + c.p.cutoffSec * 1000 + 4 * 3_600_000);
      const next = list[i + 1];
      return {
        active: true,
        "active-month": i === 0 || list[i - 1]?.p !== c.p,
        "back-month-first-calendar-symbol": false,
        "closing-only-date": isoFromDays(c.expiration - 28),
        "contract-size": c.p.multiplier,
        "display-factor": c.p.display,
        exchange: c.p.exchange,
        "exchange-symbol": c.symbol.slice(1),
        "expiration-date": isoFromDays(c.expiration),
        "expires-at": expiresAt,
        "first-notice-date": isoFromDays(c.expiration - 21),
        "future-product": productBase(c.p),
        "is-closing-only": false,
        "is-tradeable": true,
        "last-trade-date": isoFromDays(c.expiration),
        "main-fraction": "0.0",
        "next-active-month": i > 0 && list[i - 1]?.p === c.p && (i < 2 || list[i - 2]?.p !== c.p),
        "notional-multiplier": c.p.multiplier,
        "option-tick-sizes": [{ value: c.p.tick }],
        "product-code": c.p.code,
        "product-group": c.p.productGroup,
        "roll-target-symbol": next && next.p === c.p ? next.symbol : c.symbol,
        "security-id": String(40_000_000 + i * 7919),
        "stops-trading-at": expiresAt,
        "streamer-exchange-code": "XCME",
        "streamer-symbol": c.streamer,
        "sub-fraction": "0.0",
        symbol: c.symbol,
        "tick-size": c.p.tick,
        "tick-sizes": [{ value: c.p.tick }],
      };
    }),
  };
}

export function cryptocurrenciesJson(): Json {
  return {
    items: CRYPTO.map((c, i) => ({
      active: true,
      description: `${c.description} to USD`,
      "destination-venue-symbols": [
        {
          "destination-venue": "ZERO_HASH_CLOB",
          id: 100 + i * 2,
          "max-price-precision": 2,
          "max-quantity-precision": c.qty,
          routable: true,
          symbol: c.symbol,
        },
        {
          "destination-venue": "Zero Hash",
          id: 101 + i * 2,
          routable: false,
          symbol: c.symbol.replace("/USD", ""),
        },
      ],
      id: i + 1,
      "instrument-type": "Cryptocurrency",
      "is-closing-only": false,
      "short-description": c.description,
      "streamer-symbol": `${c.symbol}:CXTALP`,
      symbol: c.symbol,
      "tick-size": c.tick,
    })),
  } as Json;
}

export function quantityPrecisionsJson(): Json {
  return {
    items: [
      ...CRYPTO.map((c) => ({
        "instrument-type": "Cryptocurrency",
        "minimum-increment-precision": Math.min(c.qty, 3),
        symbol: c.symbol,
        value: c.qty,
      })),
      { "instrument-type": "Equity", "minimum-increment-precision": 0, symbol: "", value: 0 },
    ],
  };
}

/** `/symbols/search/{prefix}`: futures by root prefix (`/C`), equities by ticker prefix. */
export function searchJson(
  today: number,
  prefix: string,
  equities: readonly { symbol: string; description: string; listedMarket: string }[],
): Json {
  const q = prefix.toUpperCase();
  const items: Json[] = [];
  for (const c of contracts(today, [])) {
    if (c.symbol.startsWith(q)) {
      items.push({
        description: `${c.p.description} ${["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"][c.month - 1]} ${c.year}`,
        exchange: c.p.exchange,
        "instrument-type": "Future",
        "stops-trading-at": isoTimestamp(c.expiration * DAY_MS + c.p.cutoffSec * 1000 + 4 * 3_600_000),
        symbol: c.symbol,
      });
    }
  }
  if (!q.startsWith("/")) {
    for (const e of equities) {
      if (e.symbol.startsWith(q) && items.length < 20) {
        items.push({
          description: e.description,
          exchange: e.listedMarket,
          "instrument-type": "Equity",
          symbol: e.symbol,
        });
      }
    }
  }
  return { items };
}
