/** Small date helpers for the pipeline (days since epoch ↔ epoch ms). */
export const DAY_MS_UTC = 86_400_000;

/** The trading date of a daily candle whose start time is `ms` (midnight UTC or midnight New York). */
export function candleDay(ms: number): number {
  // +12 h lands inside the same calendar day whichever midnight the feed uses.
  return Math.floor((ms + 12 * 3600 * 1000) / DAY_MS_UTC);
}
