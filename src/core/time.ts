/**
 * Exchange time: the US equity session calendar (NYSE/Nasdaq regular hours) in America/New_York,
 * including daylight saving time, full-day holidays and 13:00 early closes, computed by rule with
 * integer date arithmetic (no time-zone database needed, so the compiled binary and every test
 * machine agree). The cache uses it for "EOD data is fresh until the next session close".
 *
 * All instants are epoch milliseconds (UTC). Calendar days are days since 1970-01-01 (see bars.ts).
 */
import { civilFromDays, daysFromCivil } from "./bars.ts";

const MS_PER_MIN = 60_000;
const MS_PER_DAY = 86_400_000;

/** Day of week for a day number: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** The `n`-th (1-based) given weekday of a month, or the last one when n = -1. */
export function nthWeekdayOfMonth(y: number, m: number, dow: number, n: number): number {
  if (n > 0) {
    const first = daysFromCivil(y, m, 1);
    return first + ((dow - weekday(first) + 7) % 7) + (n - 1) * 7;
  }
  const nextFirst = m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
  const last = nextFirst - 1;
  return last - ((weekday(last) - dow + 7) % 7);
}

/**
 * UTC instant at which US daylight saving time starts and ends in year `y` (rules since 2007:
 * second Sunday of March 02:00 EST → EDT, first Sunday of November 02:00 EDT → EST).
 */
export function dstBoundsUtc(y: number): { start: number; end: number } {
  const startDay = nthWeekdayOfMonth(y, 3, 0, 2);
  const endDay = nthWeekdayOfMonth(y, 11, 0, 1);
  // 02:00 EST = 07:00 UTC; 02:00 EDT = 06:00 UTC.
  return {
    start: startDay * MS_PER_DAY + 7 * 60 * MS_PER_MIN,
    end: endDay * MS_PER_DAY + 6 * 60 * MS_PER_MIN,
  };
}

/** Offset of New York local time from UTC at instant `utcMs`, in minutes (−240 in summer, −300 in winter). */
export function newYorkOffsetMinutes(utcMs: number): number {
  const y = civilFromDays(Math.floor(utcMs / MS_PER_DAY)).y;
  const { start, end } = dstBoundsUtc(y);
  return utcMs >= start && utcMs < end ? -240 : -300;
}

/** UTC instant of a New York wall-clock time on calendar day `days` (times in the DST gap are not used here). */
export function newYorkToUtc(days: number, hour: number, minute = 0): number {
  const guess = days * MS_PER_DAY + (hour * 60 + minute) * MS_PER_MIN;
  // Local = UTC + offset ⇒ UTC = local − offset; the offset is evaluated at the candidate instant.
  const winter = guess + 300 * MS_PER_MIN;
  return newYorkOffsetMinutes(winter) === -300 ? winter : guess + 240 * MS_PER_MIN;
}

/** The New York calendar day that contains instant `utcMs`. */
export function newYorkDay(utcMs: number): number {
  return Math.floor((utcMs + newYorkOffsetMinutes(utcMs) * MS_PER_MIN) / MS_PER_DAY);
}

/** Western (Gregorian) Easter Sunday of year y (anonymous Gregorian algorithm). */
export function easterSunday(y: number): number {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return daysFromCivil(y, month, day);
}

/** A fixed-date holiday moved to Friday when it falls on Saturday and to Monday on Sunday (NYSE rule 7.2). */
function observed(days: number): number {
  const w = weekday(days);
  return w === 6 ? days - 1 : w === 0 ? days + 1 : days;
}

const holidayCache = new Map<number, Set<number>>();

/** NYSE full-day holidays of year y (as observed). */
export function exchangeHolidays(y: number): Set<number> {
  const cached = holidayCache.get(y);
  if (cached) return cached;
  const set = new Set<number>();
  // New Year's Day: when Jan 1 is a Saturday the exchange does NOT close on Dec 31 (NYSE rule).
  const ny = daysFromCivil(y, 1, 1);
  if (weekday(ny) !== 6) set.add(observed(ny));
  set.add(nthWeekdayOfMonth(y, 1, 1, 3)); // Martin Luther King Jr. Day
  set.add(nthWeekdayOfMonth(y, 2, 1, 3)); // Washington's Birthday
  set.add(easterSunday(y) - 2); // Good Friday
  set.add(nthWeekdayOfMonth(y, 5, 1, -1)); // Memorial Day
  if (y >= 2022) set.add(observed(daysFromCivil(y, 6, 19))); // Juneteenth
  set.add(observed(daysFromCivil(y, 7, 4))); // Independence Day
  set.add(nthWeekdayOfMonth(y, 9, 1, 1)); // Labor Day
  set.add(nthWeekdayOfMonth(y, 11, 4, 4)); // Thanksgiving
  set.add(observed(daysFromCivil(y, 12, 25))); // Christmas
  holidayCache.set(y, set);
  return set;
}

export function isTradingDay(days: number): boolean {
  const w = weekday(days);
  if (w === 0 || w === 6) return false;
  return !exchangeHolidays(civilFromDays(days).y).has(days);
}

/**
 * Early closes (13:00 New York): the day after Thanksgiving, Christmas Eve and July 3 when they are
 * regular trading days.
 */
export function isEarlyClose(days: number): boolean {
  if (!isTradingDay(days)) return false;
  const { y, m, d } = civilFromDays(days);
  if (days === nthWeekdayOfMonth(y, 11, 4, 4) + 1) return true;
  if (m === 12 && d === 24) return true;
  if (m === 7 && d === 3) return true;
  return false;
}

/** UTC instant of the session close on trading day `days` (16:00 or 13:00 New York time). */
export function sessionCloseUtc(days: number): number {
  return newYorkToUtc(days, isEarlyClose(days) ? 13 : 16);
}

/** The first session close strictly after instant `utcMs`. */
export function nextSessionClose(utcMs: number): number {
  let day = newYorkDay(utcMs);
  for (let i = 0; i < 20; i++, day++) {
    if (!isTradingDay(day)) continue;
    const close = sessionCloseUtc(day);
    if (close > utcMs) return close;
  }
  // Unreachable for real calendars (there is never a 20-day closure); keep the type total.
  return utcMs + MS_PER_DAY;
}

/** The last session close at or before instant `utcMs`. */
export function previousSessionClose(utcMs: number): number {
  let day = newYorkDay(utcMs);
  for (let i = 0; i < 20; i++, day--) {
    if (!isTradingDay(day)) continue;
    const close = sessionCloseUtc(day);
    if (close <= utcMs) return close;
  }
  return utcMs - MS_PER_DAY;
}

/** The most recent completed trading day (its close is at or before `utcMs`), as a day number. */
export function lastCompletedSession(utcMs: number): number {
  return newYorkDay(previousSessionClose(utcMs));
}

/** Human-friendly duration: 42s, 5m 03s, 2h 10m, 3d 4h. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "∞";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
