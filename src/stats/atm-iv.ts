/**
 * 30-day at-the-money implied volatility from one snapshot of an option chain's quotes.
 *
 * Method (documented in README "iv_hv"):
 * 1. Per expiration, the ATM IV is interpolated linearly in strike between the two strikes that
 *    bracket the underlying price; a strike's IV is the mean of its call and put IV (either one
 *    alone when only one has a usable IV). A price outside the quoted strikes uses the nearest
 *    strike only when it lies within 2.5% of the price; otherwise the expiration has no ATM IV.
 * 2. The 30-day value interpolates total implied variance σ²·T linearly in calendar days between
 *    the two expirations bracketing 30 days (T₁ ≤ 30 ≤ T₂), as the VIX method does:
 *    σ₃₀ = √((σ₁²T₁ + (σ₂²T₂ − σ₁²T₁)·(30 − T₁)/(T₂ − T₁)) / 30). An expiration at exactly 30
 *    days is used as is. Without expirations on both sides of 30 days the value is null with a
 *    note — no extrapolation. Expirations at 0 days (expiring today) are ignored.
 */

export interface OptionIvPoint {
  /** Calendar days to expiration. */
  dte: number;
  strike: number;
  type: "C" | "P";
  /** Annualised fraction; null/NaN/≤ 0 = unusable. */
  iv: number | null;
}

export interface AtmIvResult {
  value: number | null;
  /** The expirations used (days), for the record. */
  nearDte: number | null;
  farDte: number | null;
  note: string | null;
}

export const ATM_TARGET_DAYS = 30;
const NEAREST_STRIKE_TOLERANCE = 0.025;

const usable = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;

/** ATM IV of one expiration's points, or null. */
export function atmIvOfExpiration(points: readonly OptionIvPoint[], price: number): number | null {
  const byStrike = new Map<number, { c: number | null; p: number | null }>();
  for (const pt of points) {
    if (!usable(pt.iv) || !Number.isFinite(pt.strike)) continue;
    const e = byStrike.get(pt.strike) ?? { c: null, p: null };
    if (pt.type === "C") e.c = pt.iv;
    else e.p = pt.iv;
    byStrike.set(pt.strike, e);
  }
  if (byStrike.size === 0) return null;
  const strikes = [...byStrike.keys()].sort((a, b) => a - b);
  const ivAt = (k: number) => {
    const e = byStrike.get(k)!;
    return e.c !== null && e.p !== null ? (e.c + e.p) / 2 : (e.c ?? e.p)!;
  };
  const lo = strikes.filter((k) => k <= price).at(-1);
  const hi = strikes.find((k) => k >= price);
  if (lo !== undefined && hi !== undefined) {
    if (hi === lo) return ivAt(lo);
    return ivAt(lo) + ((ivAt(hi) - ivAt(lo)) * (price - lo)) / (hi - lo);
  }
  const nearest = (lo ?? hi)!;
  return Math.abs(nearest - price) <= price * NEAREST_STRIKE_TOLERANCE ? ivAt(nearest) : null;
}

/** The 30-day ATM IV of one underlying's snapshot. */
export function atmIv30(points: readonly OptionIvPoint[], price: number | null): AtmIvResult {
  const none = (note: string): AtmIvResult => ({ value: null, nearDte: null, farDte: null, note });
  if (price === null || !Number.isFinite(price) || price <= 0) return none("no underlying price");
  const byDte = new Map<number, OptionIvPoint[]>();
  for (const pt of points) {
    if (!(pt.dte > 0)) continue;
    const list = byDte.get(pt.dte) ?? [];
    list.push(pt);
    byDte.set(pt.dte, list);
  }
  const atm: { dte: number; iv: number }[] = [];
  for (const [dte, pts] of byDte) {
    const iv = atmIvOfExpiration(pts, price);
    if (iv !== null) atm.push({ dte, iv });
  }
  if (atm.length === 0) return none("no expiration with an at-the-money IV");
  atm.sort((a, b) => a.dte - b.dte);
  const exact = atm.find((a) => a.dte === ATM_TARGET_DAYS);
  if (exact) return { value: exact.iv, nearDte: exact.dte, farDte: exact.dte, note: null };
  const near = atm.filter((a) => a.dte < ATM_TARGET_DAYS).at(-1);
  const far = atm.find((a) => a.dte > ATM_TARGET_DAYS);
  if (!near || !far)
    return none(
      `no expirations on both sides of ${ATM_TARGET_DAYS} days (have ${atm.map((a) => a.dte).join(", ")} days)`,
    );
  const w1 = near.iv * near.iv * near.dte;
  const w2 = far.iv * far.iv * far.dte;
  const w = w1 + ((w2 - w1) * (ATM_TARGET_DAYS - near.dte)) / (far.dte - near.dte);
  if (!(w > 0)) return none("interpolated variance is not positive");
  return { value: Math.sqrt(w / ATM_TARGET_DAYS), nearDte: near.dte, farDte: far.dte, note: null };
}
