/**
 * Trading activity of a listed option: open interest, the day's volume and the last trade price.
 * dxFeed carries these in `Summary` (open interest, previous day's volume) and `Trade` (last price,
 * day volume); the sim derives them from the contract and its market so they agree with the chain
 * (near-the-money, near-dated contracts trade most) and are a pure function of (seed, symbol, day):
 * the same seed gives the same numbers on every connection.
 */
import { unitHash } from "./prng.ts";

export interface OptionActivity {
  /** Open contracts at the start of the session. */
  openInterest: number;
  /** Contracts traded so far in the session (the whole session once it closed). */
  volume: number;
  /** Contracts traded in the previous session. */
  prevVolume: number;
  /** Last trade price: the model value, in whole cents, at least one cent. */
  last: number;
}

export interface ActivityInputs {
  seed: string;
  /** Streamer symbol (the key of the seeded draws). */
  symbol: string;
  strike: number;
  spot: number;
  /** At-the-money implied volatility of the expiration (annualised). */
  atmVol: number;
  /** Calendar days to expiration (≥ 0). */
  daysToExpiration: number;
  /** Mean daily share volume of the underlying. */
  avgShareVolume: number;
  /** Session date (days since epoch) and how much of it has traded (0–1). */
  day: number;
  prevDay: number;
  sessionFraction: number;
  /** Model (theoretical) price now. */
  theo: number;
}

/** Contracts a typical contract of this moneyness and maturity trades in a day. */
function baseVolume(x: ActivityInputs): number {
  const years = Math.max(x.daysToExpiration, 1) / 365;
  const sd = Math.max(x.atmVol, 0.05) * Math.sqrt(years);
  const z = Math.log(x.strike / x.spot) / sd;
  // Roughly 1 option contract per 400 underlying shares, spread over the chain, peaked at the money.
  return (x.avgShareVolume / 40_000) * Math.exp(-0.5 * z * z) * Math.exp(-x.daysToExpiration / 90);
}

function dayVolume(x: ActivityInputs, day: number): number {
  return Math.round(
    baseVolume(x) * (0.3 + 1.4 * unitHash(`${x.seed}\u0001${x.symbol}\u0001vol\u0001${day}`)),
  );
}

export function optionActivity(x: ActivityInputs): OptionActivity {
  const base = baseVolume(x);
  const oiDraw = unitHash(`${x.seed}\u0001${x.symbol}\u0001oi`);
  const oiDay = unitHash(`${x.seed}\u0001${x.symbol}\u0001oi\u0001${x.day}`);
  const fraction = Math.min(1, Math.max(0, x.sessionFraction));
  return {
    openInterest: Math.round(base * (4 + 12 * oiDraw) * (0.9 + 0.2 * oiDay)),
    volume: Math.round(dayVolume(x, x.day) * fraction),
    prevVolume: dayVolume(x, x.prevDay),
    last: Math.max(0.01, Math.round(x.theo * 100) / 100),
  };
}
