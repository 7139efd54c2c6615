/**
 * The sim's accounts: two per seed (a margin account holding stocks and options, a small cash
 * IRA), their positions marked at any instant and the balances that add up from them.
 */
import { DAY_MS, sessionCloseMs } from "./calendar.ts";
import type { ChainRoot, OptionChain } from "./chain.ts";
import { type PathModel, roundCents } from "./market.ts";
import type { MarketState } from "./market-state.ts";
import { chainOf as chainOfState, optionOf } from "./options.ts";
import { dayStatsOf, underlyingPrice } from "./prices.ts";
import { Rng } from "./prng.ts";
import { quoteOf } from "./quotes.ts";
import { occSymbol } from "./symbology.ts";
import type { SimAccount, SimBalance, SimPosition, SymbolState } from "./types.ts";

export class AccountBook {
  readonly list: SimAccount[];
  private readonly plans = new Map<string, PositionPlan[]>();

  constructor(private readonly mk: MarketState) {
    this.list = buildAccounts(mk.seed, mk.todayDay);
  }

  find(accountNumber: string): SimAccount | undefined {
    return this.list.find((a) => a.accountNumber === accountNumber);
  }

  private plansFor(a: SimAccount): PositionPlan[] {
    const mk = this.mk;
    let plans = this.plans.get(a.accountNumber);
    if (!plans) {
      plans = planPositions(mk.seed, a, this.list.indexOf(a), (sym) => {
        const s = mk.state(sym);
        return s ? { chain: chainOfState(mk, s), close: mk.lastClose(s), path: mk.path(s) } : undefined;
      });
      this.plans.set(a.accountNumber, plans);
    }
    return plans;
  }

  positions(a: SimAccount, tMs: number): SimPosition[] {
    const mk = this.mk;
    return this.plansFor(a).map((pl) => {
      const isOption = pl.symbol.length === 21;
      const mark = isOption
        ? (quoteOf(mk, pl.symbol, tMs)?.mid ?? 0)
        : underlyingPrice(mk, mk.state(pl.underlying) as SymbolState, tMs);
      const c = isOption ? optionOf(mk, pl.symbol) : undefined;
      return {
        accountNumber: a.accountNumber,
        symbol: pl.symbol,
        instrumentType: isOption ? "Equity Option" : "Equity",
        underlyingSymbol: pl.underlying,
        quantity: pl.quantity,
        direction: pl.direction,
        averageOpenPrice: pl.averageOpenPrice,
        multiplier: isOption ? 100 : 1,
        mark,
        closePrice: isOption
          ? roundCents(quoteOf(mk, pl.symbol, mk.closeMs - DAY_MS)?.mid ?? mark)
          : dayStatsOf(mk, mk.state(pl.underlying) as SymbolState, tMs).prevClose,
        expiresAtMs: c ? sessionCloseMs(c.expiration) : null,
        openedDay: pl.openedDay,
      };
    });
  }

  balances(a: SimAccount, tMs: number): SimBalance {
    let longEq = 0;
    let shortEq = 0;
    let longDer = 0;
    let shortDer = 0;
    for (const p of this.positions(a, tMs)) {
      const value = p.mark * p.quantity * p.multiplier;
      if (p.instrumentType === "Equity") {
        if (p.direction === "Long") longEq += value;
        else shortEq += value;
      } else if (p.direction === "Long") longDer += value;
      else shortDer += value;
    }
    const net = a.cash + longEq - shortEq + longDer - shortDer;
    const maintenance = 0.25 * longEq + 0.3 * shortEq + 0.2 * shortDer;
    const margin = a.marginOrCash === "Margin";
    return {
      accountNumber: a.accountNumber,
      currency: "USD",
      cash: roundCents(a.cash),
      longEquityValue: roundCents(longEq),
      shortEquityValue: roundCents(shortEq),
      longDerivativeValue: roundCents(longDer),
      shortDerivativeValue: roundCents(shortDer),
      netLiquidatingValue: roundCents(net),
      equityBuyingPower: roundCents(Math.max(0, margin ? 2 * (net - maintenance) : a.cash)),
      derivativeBuyingPower: roundCents(Math.max(0, net - maintenance)),
      maintenanceRequirement: roundCents(maintenance),
      day: Math.floor(tMs / DAY_MS),
    };
  }
}

/** Two accounts per seed: a margin account with stocks and options, and a small cash IRA. */
function buildAccounts(seed: string, todayDay: number): SimAccount[] {
  const rng = Rng.fromKey(seed, "accounts");
  const number = (prefix: string) => `${prefix}${String(rng.int(10000, 99999))}`;
  return [
    {
      accountNumber: number("5WT"),
      nickname: "Individual",
      accountTypeName: "Individual",
      marginOrCash: "Margin",
      openedDay: todayDay - rng.int(400, 2000),
      authorityLevel: "owner",
      optionsLevel: "Defined Risk Spreads",
      cash: Math.round(rng.range(20_000, 150_000) * 100) / 100,
    },
    {
      accountNumber: number("5WU"),
      nickname: "Roth IRA",
      accountTypeName: "Roth IRA",
      marginOrCash: "Cash",
      openedDay: todayDay - rng.int(100, 1500),
      authorityLevel: "owner",
      optionsLevel: "Covered And Cash Secured",
      cash: Math.round(rng.range(5_000, 40_000) * 100) / 100,
    },
  ];
}

interface PositionPlan {
  symbol: string;
  underlying: string;
  quantity: number;
  direction: "Long" | "Short";
  averageOpenPrice: number;
  openedDay: number;
}

function planPositions(
  seed: string,
  account: SimAccount,
  index: number,
  lookup: (sym: string) => { chain: OptionChain; close: number; path: PathModel } | undefined,
): PositionPlan[] {
  const rng = Rng.fromKey(seed, "positions", index);
  const stocks = index === 0 ? ["AAPL", "MSFT", "SPY", "BRK/B", "F"] : ["QQQ", "KO", "JNJ"];
  const plans: PositionPlan[] = [];
  for (const sym of stocks) {
    const info = lookup(sym);
    if (!info) continue;
    const bars = info.path.bars;
    const k = bars.day.length - 1 - rng.int(5, 400);
    plans.push({
      symbol: sym,
      underlying: sym,
      quantity: rng.int(1, 20) * (sym === "F" ? 100 : 10),
      direction: "Long",
      averageOpenPrice: bars.close[k] as number,
      openedDay: bars.day[k] as number,
    });
  }
  const optionUnderlyings = index === 0 ? ["SPY", "AAPL", "TSLA"] : ["QQQ"];
  for (const sym of optionUnderlyings) {
    const info = lookup(sym);
    if (!info) continue;
    const root = info.chain.roots[0] as ChainRoot;
    const exp =
      root.expirations.find((e) => e.type === "Regular" && e.daysToExpiration > 7) ?? root.expirations[0];
    if (!exp) continue;
    // A short out-of-the-money put (cash-secured in the IRA) and, in margin, a long call.
    const otmPut =
      [...exp.strikes].reverse().find((k) => k < info.close * 0.95) ?? (exp.strikes[0] as number);
    const key = { root: root.root, expiration: exp.day, isCall: false, strike: otmPut };
    plans.push({
      symbol: occSymbol(key),
      underlying: sym,
      quantity: rng.int(1, 3),
      direction: "Short",
      averageOpenPrice: roundCents(rng.range(0.8, 4)),
      openedDay: exp.day - exp.daysToExpiration - rng.int(1, 20),
    });
    if (account.marginOrCash === "Margin") {
      const otmCall =
        exp.strikes.find((k) => k > info.close * 1.03) ?? (exp.strikes[exp.strikes.length - 1] as number);
      const callKey = { root: root.root, expiration: exp.day, isCall: true, strike: otmCall };
      plans.push({
        symbol: occSymbol(callKey),
        underlying: sym,
        quantity: rng.int(1, 5),
        direction: "Long",
        averageOpenPrice: roundCents(rng.range(0.5, 6)),
        openedDay: exp.day - exp.daysToExpiration - rng.int(1, 20),
      });
    }
  }
  return plans;
}
