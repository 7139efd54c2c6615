/**
 * The sim's trading calendar is the exchange's (`src/core/time.ts`): NYSE holidays, 9:30–16:00
 * New York time with DST, 13:00 early closes. So the sim's daily bars, expirations and session
 * times agree with what the platform computes for TTLs and candle windows.
 * Days are counted as days since 1970-01-01 (the same day numbers as `src/core/bars.ts`).
 */
import { civilFromDays, daysFromCivil, isoFromDays } from "../../core/bars.ts";
import { usageError } from "../../core/errors.ts";
import { isTradingDay, newYorkToUtc, sessionCloseUtc } from "../../core/time.ts";

export const DAY_MS = 86_400_000;

/** UTC instant of the regular open (9:30 New York) on `day`. */
export function sessionOpenMs(day: number): number {
  return newYorkToUtc(day, 9, 30);
}

/** UTC instant of the regular close (16:00, or 13:00 on early-close days, New York) on `day`. */
export function sessionCloseMs(day: number): number {
  return sessionCloseUtc(day);
}

/** Default "today" of the simulated market: fixed so that the same seed gives the same bytes. */
export const DEFAULT_SIM_TODAY = "2026-08-04";

export { isoFromDays };

export function dayFromIso(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw usageError(`invalid date "${iso}"`, { hint: "use YYYY-MM-DD, e.g. 2026-08-04" });
  const day = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  if (isoFromDays(day) !== iso)
    throw usageError(`invalid date "${iso}"`, { hint: "use a real calendar date" });
  return day;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isSession(day: number): boolean {
  return isTradingDay(day);
}

/** The session on or before `day`. */
export function sessionOnOrBefore(day: number): number {
  let d = day;
  while (!isSession(d)) d--;
  return d;
}

export function previousSession(day: number): number {
  let d = day - 1;
  while (!isSession(d)) d--;
  return d;
}

/** `count` sessions ending with (and including) `lastDay`, ascending. */
export function sessionsEndingAt(lastDay: number, count: number): Int32Array {
  const out = new Int32Array(count);
  let d = sessionOnOrBefore(lastDay);
  for (let i = count - 1; i >= 0; i--) {
    out[i] = d;
    d = previousSession(d);
  }
  return out;
}

/** Third Friday of a month (the standard monthly expiration). */
export function thirdFriday(year: number, month: number): number {
  const first = daysFromCivil(year, month, 1);
  const offset = (5 - weekday(first) + 7) % 7;
  return first + offset + 14;
}

/** Last session of a month (quarterly ETF expirations). */
export function lastSessionOfMonth(year: number, month: number): number {
  const nextMonthFirst = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
  return sessionOnOrBefore(nextMonthFirst - 1);
}

export function civil(day: number): { y: number; m: number; d: number } {
  return civilFromDays(day);
}

/** `YYMMDD` as used in OCC and streamer option symbols. */
export function yymmdd(day: number): string {
  const { y, m, d } = civilFromDays(day);
  return `${String(y % 100).padStart(2, "0")}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}`;
}

export function dayFromYymmdd(text: string): number {
  return daysFromCivil(2000 + Number(text.slice(0, 2)), Number(text.slice(2, 4)), Number(text.slice(4, 6)));
}

/** ISO-8601 timestamp with milliseconds and `+00:00`, the form the REST API uses. */
export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}
