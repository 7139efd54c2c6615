/**
 * Which partition a snapshot lands in. The lake's `date` is the trading date the data describes,
 * on the New York exchange calendar: a run on a weekday session date (any hour, before or after the
 * close) describes that day; a run on a weekend or an exchange holiday describes the previous
 * trading day, whose close is the latest data there is. An intraday snapshot's `time` is the New
 * York wall-clock time (HHMM) of the run.
 */
import { isoFromDays } from "../../core/bars.ts";
import { isTradingDay, newYorkDay, newYorkOffsetMinutes } from "../../core/time.ts";
import type { SnapshotPartition } from "./paths.ts";

/** The trading date (YYYY-MM-DD) a snapshot taken at `asOf` describes. */
export function snapshotDate(asOf: Date): string {
  let day = newYorkDay(asOf.getTime());
  // There is never a 20-day closure; the bound only keeps the loop total.
  for (let i = 0; i < 20 && !isTradingDay(day); i++) day--;
  return isoFromDays(day);
}

/** New York wall-clock time of `asOf` as HHMM (the `time=` of an intraday snapshot). */
export function snapshotClock(asOf: Date): string {
  const local = asOf.getTime() + newYorkOffsetMinutes(asOf.getTime()) * 60_000;
  const minutes = Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}${String(minutes % 60).padStart(2, "0")}`;
}

export type SnapshotMode = "daily" | "intraday";

/** The partition of a run at `asOf`: `date=…`, or `date=…/time=HHMM` for intraday snapshots. */
export function snapshotPartition(asOf: Date, mode: SnapshotMode = "daily"): SnapshotPartition {
  const date = snapshotDate(asOf);
  return mode === "intraday" ? { date, time: snapshotClock(asOf) } : { date };
}
