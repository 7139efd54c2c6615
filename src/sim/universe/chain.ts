/**
 * Option chains: which expirations and strikes exist for an underlying on the sim's "today".
 *
 * Mirrors how listed US options look: dailies on the big index products, Friday weeklies on liquid
 * names, third-Friday monthlies everywhere, end-of-quarter expirations on ETFs and indexes, January
 * LEAPS on the largest names. Indexes have two roots (SPX monthly AM-settled, SPXW PM-settled) and
 * a few single stocks carry an adjusted "Non-standard" root ending in a digit (`BABA2`), because
 * those are exactly the cases client symbol handling gets wrong.
 */
import { civil, isoFromDays, isSession, lastSessionOfMonth, thirdFriday, weekday } from "./calendar.ts";
import type { SymbolProfile } from "./market.ts";
import { unitHash } from "./prng.ts";

export type ExpirationType = "Weekly" | "Regular" | "Quarterly";

export interface ChainExpiration {
  /** Days since epoch. */
  day: number;
  date: string;
  type: ExpirationType;
  settlement: "AM" | "PM";
  daysToExpiration: number;
  /** Ascending strikes, rounded to 1/1000. */
  strikes: number[];
}

export interface ChainRoot {
  root: string;
  underlying: string;
  chainType: "Standard" | "Non-standard";
  sharesPerContract: number;
  /** Non-standard roots deliver something other than 100 shares (after a special dividend, merger…). */
  deliverableShares: number;
  expirations: ChainExpiration[];
}

export interface OptionChain {
  underlying: string;
  roots: ChainRoot[];
}

const DAILY_LISTED = new Set(["SPY", "QQQ", "IWM", "SPX", "NDX", "RUT"]);
const WEEKLY_ROOT: Record<string, string> = { SPX: "SPXW", NDX: "NDXP", RUT: "RUTW" };
/** Underlyings that always carry a digit-suffixed adjusted root, plus a seeded handful more. */
const FORCED_ADJUSTED: Record<string, string> = { BABA: "BABA2" };

/** OCC root of an underlying's standard options (`BRK/B` → `BRKB`). */
export function standardRoot(symbol: string): string {
  return symbol.replace(/\//g, "");
}

export function adjustedRoot(seed: string, symbol: string, p: SymbolProfile): string | null {
  const forced = FORCED_ADJUSTED[symbol];
  if (forced) return forced;
  if (p.isEtf || p.isIndex) return null;
  return unitHash(`${seed}\u0001${symbol}\u0001adjusted`) < 0.02
    ? `${standardRoot(symbol).slice(0, 5)}1`
    : null;
}

/** Strike increment by price level, as exchanges list them (two-decimal strikes below $15). */
export function strikeStep(p: SymbolProfile, spot: number): number {
  if (p.isIndex) return spot > 10_000 ? 25 : 5;
  if (p.isEtf) return spot < 25 ? 0.5 : 1;
  if (spot < 15) return 0.25;
  if (spot < 30) return 0.5;
  if (spot < 100) return 1;
  if (spot < 250) return 2.5;
  if (spot < 600) return 5;
  return 10;
}

export const DEFAULT_STRIKES_PER_SIDE = 50;

export function strikesFor(
  p: SymbolProfile,
  spot: number,
  years: number,
  atmVol: number,
  maxPerSide = DEFAULT_STRIKES_PER_SIDE,
): number[] {
  const MAX_STRIKES_PER_SIDE = maxPerSide;
  let step = strikeStep(p, spot);
  const halfWidth = spot * Math.min(0.6, Math.max(0.06, 2.2 * atmVol * Math.sqrt(Math.max(years, 7 / 365))));
  const needed = halfWidth / step;
  if (needed > MAX_STRIKES_PER_SIDE) step *= Math.ceil(needed / MAX_STRIKES_PER_SIDE);
  const perSide = Math.max(2, Math.min(MAX_STRIKES_PER_SIDE, Math.floor(halfWidth / step)));
  const center = Math.round(spot / step) * step;
  const out: number[] = [];
  for (let k = -perSide; k <= perSide; k++) {
    const strike = Math.round((center + k * step) * 1000) / 1000;
    if (strike > 0) out.push(strike);
  }
  return out;
}

interface PlannedExpiration {
  day: number;
  type: ExpirationType;
}

/** All expiration days (≥ today) for an underlying, with their type. */
export function planExpirations(p: SymbolProfile, rank: number, today: number): PlannedExpiration[] {
  const plan = new Map<number, ExpirationType>();
  const priority: Record<ExpirationType, number> = { Weekly: 0, Quarterly: 1, Regular: 2 };
  const put = (day: number, type: ExpirationType) => {
    if (day < today) return;
    const had = plan.get(day);
    if (had === undefined || priority[type] > priority[had]) plan.set(day, type);
  };
  const broad = p.isEtf || p.isIndex;
  if (DAILY_LISTED.has(p.symbol)) {
    let d = today;
    for (let n = 0; n < 5; d++) {
      if (isSession(d)) {
        put(d, "Weekly");
        n++;
      }
    }
  }
  if (broad || rank < 150) {
    for (let d = today; d <= today + 42; d++) if (weekday(d) === 5) put(d, "Weekly");
  }
  const { y, m } = civil(today);
  for (let k = 0; k < 8; k++) {
    const mm = ((m - 1 + k) % 12) + 1;
    const yy = y + Math.floor((m - 1 + k) / 12);
    put(thirdFriday(yy, mm), "Regular");
  }
  if (broad) {
    let found = 0;
    for (let k = 0; found < 4 && k < 15; k++) {
      const mm = ((m - 1 + k) % 12) + 1;
      const yy = y + Math.floor((m - 1 + k) / 12);
      if (mm % 3 === 0 && lastSessionOfMonth(yy, mm) >= today) {
        put(lastSessionOfMonth(yy, mm), "Quarterly");
        found++;
      }
    }
  }
  if (broad || rank < 120) {
    put(thirdFriday(y + 1, 1), "Regular");
    put(thirdFriday(y + 2, 1), "Regular");
  }
  return [...plan.entries()].sort((a, b) => a[0] - b[0]).map(([day, type]) => ({ day, type }));
}

export interface ChainInputs {
  /** Cap on strikes each side of the money per expiration (default 50). */
  strikesPerSide?: number;
  seed: string;
  profile: SymbolProfile;
  rank: number;
  today: number;
  spot: number;
  /** ATM implied volatility for a maturity in years. */
  atmVol: (years: number) => number;
}

export function buildChain(x: ChainInputs): OptionChain {
  const p = x.profile;
  const planned = planExpirations(p, x.rank, x.today);
  const expiration = (e: PlannedExpiration, settlement: "AM" | "PM"): ChainExpiration => {
    const years = Math.max(e.day - x.today, 0.25) / 365;
    return {
      day: e.day,
      date: isoFromDays(e.day),
      type: e.type,
      settlement,
      daysToExpiration: e.day - x.today,
      strikes: strikesFor(p, x.spot, years, x.atmVol(years), x.strikesPerSide),
    };
  };
  const base = {
    underlying: p.symbol,
    chainType: "Standard" as const,
    sharesPerContract: 100,
    deliverableShares: 100,
  };
  const roots: ChainRoot[] = [];
  const weeklyRoot = WEEKLY_ROOT[p.symbol];
  if (weeklyRoot) {
    // Index: the classic root holds the AM-settled monthlies, the weekly root everything else (PM).
    roots.push({
      ...base,
      root: p.symbol,
      expirations: planned.filter((e) => e.type === "Regular").map((e) => expiration(e, "AM")),
    });
    roots.push({
      ...base,
      root: weeklyRoot,
      expirations: planned.filter((e) => e.type !== "Regular").map((e) => expiration(e, "PM")),
    });
  } else {
    roots.push({
      ...base,
      root: standardRoot(p.symbol),
      expirations: planned.map((e) => expiration(e, "PM")),
    });
    const adjusted = adjustedRoot(x.seed, p.symbol, p);
    if (adjusted) {
      const monthlies = planned.filter((e) => e.type === "Regular").slice(0, 3);
      roots.push({
        underlying: p.symbol,
        root: adjusted,
        chainType: "Non-standard",
        sharesPerContract: 100,
        deliverableShares: 50,
        expirations: monthlies.map((e) => expiration(e, "PM")),
      });
    }
  }
  return { underlying: p.symbol, roots };
}
