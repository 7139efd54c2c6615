/**
 * OCC and streamer option symbols, exactly as the API spells them (see the reference, §6):
 *   OCC      `SPY   260804C00500000`  root padded to 6, YYMMDD, C|P, strike×1000 in 8 digits
 *   streamer `.SPY260804C500`          root unpadded, YYMMDD, C|P, strike in shortest decimal form
 * Streamer symbols are parsed from the right because roots may end in digits (`BABA2`).
 */
import { dayFromYymmdd, yymmdd } from "./calendar.ts";

export interface OptionKey {
  root: string;
  /** Expiration as days since epoch. */
  expiration: number;
  isCall: boolean;
  strike: number;
}

/** Strike in shortest decimal form: 500, 500.5, 2.25, 0.5, 12.125. */
export function strikeText(strike: number): string {
  return String(Math.round(strike * 1000) / 1000);
}

/** A decimal as the API prints it: integers get `.0` (`"500.0"`), others their shortest form. */
export function decimalText(x: number): string {
  if (!Number.isFinite(x)) return "NaN";
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

export function occSymbol(k: OptionKey): string {
  const strike = String(Math.round(k.strike * 1000)).padStart(8, "0");
  return `${k.root.padEnd(6, " ")}${yymmdd(k.expiration)}${k.isCall ? "C" : "P"}${strike}`;
}

export function streamerOptionSymbol(k: OptionKey): string {
  return `.${k.root}${yymmdd(k.expiration)}${k.isCall ? "C" : "P"}${strikeText(k.strike)}`;
}

const STREAMER_RE = /^\.(.+?)(\d{6})([CP])(\d+(?:\.\d+)?)$/;
const OCC_RE = /^(.{1,6}?)\s*(\d{6})([CP])(\d{8})$/;

export function parseStreamerOptionSymbol(symbol: string): OptionKey | null {
  const m = STREAMER_RE.exec(symbol);
  if (!m) return null;
  // The lazy root + fixed 6-digit date + trailing strike anchors the match from the right.
  return {
    root: m[1] as string,
    expiration: dayFromYymmdd(m[2] as string),
    isCall: m[3] === "C",
    strike: Number(m[4]),
  };
}

export function parseOccSymbol(symbol: string): OptionKey | null {
  const m = OCC_RE.exec(symbol);
  if (!m) return null;
  const root = (m[1] as string).trim();
  if (!root || /\s/.test(root)) return null;
  return {
    root,
    expiration: dayFromYymmdd(m[2] as string),
    isCall: m[3] === "C",
    strike: Number(m[4]) / 1000,
  };
}
