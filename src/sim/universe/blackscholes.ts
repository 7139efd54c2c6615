/**
 * Black–Scholes–Merton price and greeks for European options with a continuous dividend yield.
 * The sim prices its option quotes and its DXLink Greeks events with this, so the greeks a client
 * receives are consistent with the chain's prices and the sim's volatility surface.
 *
 * Units follow dxFeed's Greeks event: theta per calendar day, vega and rho per 1 percentage point.
 */

export interface BsInput {
  spot: number;
  strike: number;
  /** Years to expiration (clamped to a minimum so 0-DTE options still have a defined price). */
  years: number;
  vol: number;
  rate: number;
  dividendYield: number;
  isCall: boolean;
}

export interface BsResult {
  price: number;
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  rho: number;
}

export const MIN_YEARS = 1 / (365 * 24 * 4); // 15 minutes

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf, |error| < 1.5e-7). */
export function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export function normPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export function blackScholes(o: BsInput): BsResult {
  const T = Math.max(o.years, MIN_YEARS);
  const sigma = Math.max(o.vol, 1e-4);
  const { spot: S, strike: K, rate: r, dividendYield: q } = o;
  const sqrtT = Math.sqrt(T);
  const d1 = (Math.log(S / K) + (r - q + 0.5 * sigma * sigma) * T) / (sigma * sqrtT);
  const d2 = d1 - sigma * sqrtT;
  const dfR = Math.exp(-r * T);
  const dfQ = Math.exp(-q * T);
  const pdf = normPdf(d1);
  const gamma = (dfQ * pdf) / (S * sigma * sqrtT);
  const vega = (S * dfQ * pdf * sqrtT) / 100;
  if (o.isCall) {
    const Nd1 = normCdf(d1);
    const Nd2 = normCdf(d2);
    const price = S * dfQ * Nd1 - K * dfR * Nd2;
    const theta = (-(S * dfQ * pdf * sigma) / (2 * sqrtT) - r * K * dfR * Nd2 + q * S * dfQ * Nd1) / 365;
    return {
      price: Math.max(price, 0),
      delta: dfQ * Nd1,
      gamma,
      theta,
      vega,
      rho: (K * T * dfR * Nd2) / 100,
    };
  }
  const Nmd1 = normCdf(-d1);
  const Nmd2 = normCdf(-d2);
  const price = K * dfR * Nmd2 - S * dfQ * Nmd1;
  const theta = (-(S * dfQ * pdf * sigma) / (2 * sqrtT) + r * K * dfR * Nmd2 - q * S * dfQ * Nmd1) / 365;
  return {
    price: Math.max(price, 0),
    delta: -dfQ * Nmd1,
    gamma,
    theta,
    vega,
    rho: (-K * T * dfR * Nmd2) / 100,
  };
}
