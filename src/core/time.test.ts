import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { daysFromCivil, isoFromDays } from "./bars.ts";
import {
  easterSunday,
  exchangeHolidays,
  formatDuration,
  isEarlyClose,
  isTradingDay,
  newYorkDay,
  newYorkOffsetMinutes,
  nextSessionClose,
  previousSessionClose,
  sessionCloseUtc,
} from "./time.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const utc = (iso: string) => Date.parse(iso);

/** The ICU time-zone database as an independent oracle for the DST rule. */
function icuOffsetMinutes(ms: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: "America/New_York",
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return Math.round((local - Math.floor(ms / 60000) * 60000) / 60000);
}

describe("New York time", () => {
  test("DST offset matches the ICU database for random instants 2008–2040", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: utc("2008-01-01T00:00:00Z"), max: utc("2040-12-31T00:00:00Z") }),
        (ms) => {
          expect(newYorkOffsetMinutes(ms)).toBe(icuOffsetMinutes(ms));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("DST transitions at the exact minute", () => {
    // 2026: starts Sun Mar 8 07:00 UTC, ends Sun Nov 1 06:00 UTC.
    expect(newYorkOffsetMinutes(utc("2026-03-08T06:59:00Z"))).toBe(-300);
    expect(newYorkOffsetMinutes(utc("2026-03-08T07:00:00Z"))).toBe(-240);
    expect(newYorkOffsetMinutes(utc("2026-11-01T05:59:00Z"))).toBe(-240);
    expect(newYorkOffsetMinutes(utc("2026-11-01T06:00:00Z"))).toBe(-300);
  });

  test("session close is 16:00 local: 20:00 UTC in summer, 21:00 UTC in winter", () => {
    expect(new Date(sessionCloseUtc(daysFromCivil(2026, 7, 15))).toISOString()).toBe(
      "2026-07-15T20:00:00.000Z",
    );
    expect(new Date(sessionCloseUtc(daysFromCivil(2026, 1, 15))).toISOString()).toBe(
      "2026-01-15T21:00:00.000Z",
    );
    // Day after DST starts (Mon Mar 9 2026) already closes at 20:00 UTC.
    expect(new Date(sessionCloseUtc(daysFromCivil(2026, 3, 9))).toISOString()).toBe(
      "2026-03-09T20:00:00.000Z",
    );
  });

  test("New York calendar day of an instant", () => {
    expect(isoFromDays(newYorkDay(utc("2026-07-16T03:59:00Z")))).toBe("2026-07-15");
    expect(isoFromDays(newYorkDay(utc("2026-07-16T04:00:00Z")))).toBe("2026-07-16");
  });
});

describe("exchange calendar", () => {
  test("Easter dates", () => {
    expect(isoFromDays(easterSunday(2024))).toBe("2024-03-31");
    expect(isoFromDays(easterSunday(2025))).toBe("2025-04-20");
    expect(isoFromDays(easterSunday(2026))).toBe("2026-04-05");
  });

  test("published NYSE holidays 2025 and 2026", () => {
    const list = (y: number) => [...exchangeHolidays(y)].sort((a, b) => a - b).map(isoFromDays);
    expect(list(2025)).toEqual([
      "2025-01-01",
      "2025-01-20",
      "2025-02-17",
      "2025-04-18",
      "2025-05-26",
      "2025-06-19",
      "2025-07-04",
      "2025-09-01",
      "2025-11-27",
      "2025-12-25",
    ]);
    expect(list(2026)).toEqual([
      "2026-01-01",
      "2026-01-19",
      "2026-02-16",
      "2026-04-03",
      "2026-05-25",
      "2026-06-19",
      "2026-07-03",
      "2026-09-07",
      "2026-11-26",
      "2026-12-25",
    ]);
  });

  test("Saturday New Year's Day is not observed on the previous Friday", () => {
    expect(isTradingDay(daysFromCivil(2021, 12, 31))).toBe(true);
  });

  test("early closes", () => {
    expect(isEarlyClose(daysFromCivil(2025, 11, 28))).toBe(true);
    expect(isEarlyClose(daysFromCivil(2025, 12, 24))).toBe(true);
    expect(isEarlyClose(daysFromCivil(2025, 7, 3))).toBe(true);
    expect(isEarlyClose(daysFromCivil(2026, 7, 3))).toBe(false); // observed Independence Day: closed
    expect(new Date(sessionCloseUtc(daysFromCivil(2025, 11, 28))).toISOString()).toBe(
      "2025-11-28T18:00:00.000Z",
    );
  });

  test("next close: same day before 16:00, next trading day after, skipping weekends and holidays", () => {
    const iso = (ms: number) => new Date(nextSessionClose(ms)).toISOString();
    expect(iso(utc("2026-07-15T15:00:00Z"))).toBe("2026-07-15T20:00:00.000Z");
    expect(iso(utc("2026-07-15T20:00:00Z"))).toBe("2026-07-16T20:00:00.000Z"); // exactly at close → next
    expect(iso(utc("2026-07-17T21:00:00Z"))).toBe("2026-07-20T20:00:00.000Z"); // Friday evening → Monday
    expect(iso(utc("2026-07-02T21:00:00Z"))).toBe("2026-07-06T20:00:00.000Z"); // over the observed July 3
    expect(iso(utc("2026-03-06T22:00:00Z"))).toBe("2026-03-09T20:00:00.000Z"); // across the DST switch
    expect(iso(utc("2026-11-25T22:00:00Z"))).toBe("2026-11-27T18:00:00.000Z"); // Thanksgiving, early close
  });

  test("property: previous ≤ now < next, both are trading-day closes, nothing in between", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: utc("2010-01-01T00:00:00Z"), max: utc("2035-12-31T00:00:00Z") }),
        (ms) => {
          const next = nextSessionClose(ms);
          const prev = previousSessionClose(ms);
          expect(prev).toBeLessThanOrEqual(ms);
          expect(next).toBeGreaterThan(ms);
          expect(isTradingDay(newYorkDay(next))).toBe(true);
          expect(nextSessionClose(prev)).toBe(next);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("formatDuration", () => {
    expect(formatDuration(5)).toBe("5s");
    expect(formatDuration(303)).toBe("5m 03s");
    expect(formatDuration(7800)).toBe("2h 10m");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("∞");
  });
});
