/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog): the delay for
 * attempt n is uniform in [0, min(cap, base·2ⁿ)], so a fleet of clients cut off together does not
 * reconnect in lock-step. Pure, with the random source injectable for tests.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = opts.initialMs ?? 1000;
  const cap = opts.maxMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
