/**
 * The state every part of the universe shares: its parameters (seed, market date, rate, chain
 * size) and the per-symbol memo — profile, then on demand the daily path (seen up to `today` when
 * the paths run on to a later `pathEnd`), chain, metrics and instrument record.
 */
import { usageError } from "../../core/errors.ts";
import { BoundedMemo } from "../bounded-memo.ts";
import { isoFromDays, sessionCloseMs } from "./calendar.ts";
import { buildPath, type PathModel, pathUpTo, symbolProfile, TRADING_DAYS_PER_YEAR } from "./market.ts";
import { UNDERLYING_SYMBOLS } from "./tickers.ts";
import type { OptionGreeks, SymbolState } from "./types.ts";

/** Options whose last computed values the universe and its DXLink adapter keep (BoundedMemo). */
export const MEMO_SIZE = 32_768;

export interface MarketParams {
  seed: string;
  todayDay: number;
  pathEndDay: number;
  sessions: number;
  rate: number;
  strikesPerSide: number | undefined;
}

export class MarketState {
  readonly seed: string;
  readonly todayDay: number;
  readonly pathEndDay: number;
  readonly sessions: number;
  readonly rate: number;
  readonly strikesPerSide: number | undefined;
  /** Epoch ms of today's regular close. */
  readonly closeMs: number;
  readonly symbols = UNDERLYING_SYMBOLS;
  readonly rankOf: Map<string, number>;
  readonly states = new Map<string, SymbolState>();
  /** OCC root → underlying, for every root any chain can have (standard, index weekly, adjusted). */
  readonly rootToUnderlying = new Map<string, string>();
  /**
   * The last greeks computed per option (streamer symbol) and the instant they are for, for the
   * options priced most recently: a subscription window's worth (the option pass asks 20,000
   * symbols × 4 event types at a time).
   */
  readonly greeksMemo = new BoundedMemo<string, { t: number; g: OptionGreeks }>(MEMO_SIZE);

  constructor(p: MarketParams) {
    this.seed = p.seed;
    this.todayDay = p.todayDay;
    this.pathEndDay = p.pathEndDay;
    this.sessions = p.sessions;
    this.rate = p.rate;
    this.strikesPerSide = p.strikesPerSide;
    this.closeMs = sessionCloseMs(p.todayDay);
    this.rankOf = new Map<string, number>(this.symbols.map((s, i) => [s, i]));
  }

  state(symbol: string): SymbolState | undefined {
    let s = this.states.get(symbol);
    if (s) return s;
    const rank = this.rankOf.get(symbol);
    if (rank === undefined) return undefined;
    s = { rank, profile: symbolProfile(this.seed, symbol, rank) };
    this.states.set(symbol, s);
    return s;
  }

  path(s: SymbolState): PathModel {
    if (!s.path) {
      const full = buildPath(this.seed, s.profile, this.pathEndDay, this.sessions);
      s.path = this.pathEndDay === this.todayDay ? full : pathUpTo(full, this.todayDay);
      if (s.path.bars.day.length < 100)
        throw usageError(`today ${isoFromDays(this.todayDay)} leaves fewer than 100 sessions of history`, {
          hint: "move pathEnd closer to today or raise historySessions",
        });
    }
    return s.path;
  }

  lastClose(s: SymbolState): number {
    const c = this.path(s).bars.close;
    return c[c.length - 1] as number;
  }

  dailySd(s: SymbolState): number {
    const p = this.path(s);
    return (p.iv30[p.iv30.length - 1] as number) / Math.sqrt(TRADING_DAYS_PER_YEAR);
  }
}
