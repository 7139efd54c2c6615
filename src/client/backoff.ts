/**
 * The one full-jitter backoff (AWS architecture blog), for REST retries and DXLink reconnects:
 * the delay before retry n (0-based) is uniform in [0, min(max, base·2ⁿ)), so a fleet of clients
 * cut off together does not come back in lock-step. Pure, with the random source injectable.
 */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay, ms. */
  baseMs: number;
  /** Largest ceiling, ms. */
  maxMs: number;
}

/** Whole milliseconds; the exponent is clamped so a long outage cannot overflow to Infinity·0. */
export function fullJitter(retry: number, o: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(Math.max(retry, 0), 30));
  return Math.floor(random() * ceiling);
}
