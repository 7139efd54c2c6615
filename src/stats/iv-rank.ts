/**
 * IV rank and IV percentile from a collected history of one implied-volatility series.
 *
 * - Window: the observations dated within the last 252 trading days (US exchange calendar)
 *   ending at the current observation's date, current included. Days without an observation
 *   (a missed run) are simply absent: `days` says how many values stand behind each number.
 * - IV rank = (x − min) / (max − min) over the window (0 = at the low, 1 = at the high).
 * - IV percentile = share of the window's other days whose value is strictly below x.
 * - Fewer than 20 days, or no current value: null with a note ("insufficient history"), never a
 *   number computed from three points. A window whose values are all equal has no rank.
 */
import { isTradingDay } from "../core/time.ts";

export const IV_LOOKBACK_DAYS = 252;
export const IV_MIN_HISTORY_DAYS = 20;

export interface IvObservation {
  /** Trading date as days since 1970-01-01. */
  day: number;
  /** Annualised fraction; null/NaN/≤ 0 = no usable value that day. */
  value: number | null;
}

export interface IvRankResult {
  value: number | null;
  rank: number | null;
  percentile: number | null;
  /** Days with a usable value in the window, current included. */
  days: number;
  note: string | null;
}

const usable = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;

/** The first day of the window of `lookback` trading days that ends on `day` (inclusive). */
export function windowStart(day: number, lookback = IV_LOOKBACK_DAYS): number {
  let d = day;
  let count = isTradingDay(d) ? 1 : 0;
  while (count < lookback) {
    d--;
    if (isTradingDay(d)) count++;
  }
  return d;
}

/**
 * Rank and percentile of the observation on `day` (the current one) against its window.
 * `history` may be in any order and hold other days; one value per day is expected (the last
 * one given for a day wins).
 */
export function ivRank(
  history: readonly IvObservation[],
  day: number,
  opts: { lookback?: number; minDays?: number } = {},
): IvRankResult {
  const lookback = opts.lookback ?? IV_LOOKBACK_DAYS;
  const minDays = opts.minDays ?? IV_MIN_HISTORY_DAYS;
  const start = windowStart(day, lookback);
  const byDay = new Map<number, number | null>();
  for (const o of history) if (o.day >= start && o.day <= day) byDay.set(o.day, o.value);
  const x = byDay.get(day) ?? null;
  const values: number[] = [];
  for (const v of byDay.values()) if (usable(v)) values.push(v);
  const days = values.length;
  if (!usable(x)) return { value: null, rank: null, percentile: null, days, note: "no current value" };
  if (days < minDays)
    return {
      value: x,
      rank: null,
      percentile: null,
      days,
      note: `insufficient history (${days} of ${minDays} days)`,
    };
  let min = x;
  let max = x;
  let below = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (v < x) below++;
  }
  const percentile = below / (days - 1);
  if (max === min)
    return { value: x, rank: null, percentile, days, note: "no range: every value in the window is equal" };
  return { value: x, rank: (x - min) / (max - min), percentile, days, note: null };
}
