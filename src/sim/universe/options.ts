/**
 * Chains and listed options: each underlying's chain (built once from today's price and surface),
 * and the lookup of an OCC or streamer symbol to its contract through its root (standard, index
 * weekly or adjusted).
 */
import { buildChain, type OptionChain, standardRoot } from "./chain.ts";
import type { MarketState } from "./market-state.ts";
import { atmVolOf } from "./surface.ts";
import {
  type OptionKey,
  occSymbol,
  parseOccSymbol,
  parseStreamerOptionSymbol,
  streamerOptionSymbol,
} from "./symbology.ts";
import type { OptionContract, SymbolState } from "./types.ts";

export function chainOf(mk: MarketState, s: SymbolState): OptionChain {
  if (!s.chain) {
    s.chain = buildChain({
      seed: mk.seed,
      profile: s.profile,
      rank: s.rank,
      today: mk.todayDay,
      spot: mk.lastClose(s),
      atmVol: (years) => atmVolOf(mk, s, years),
      ...(mk.strikesPerSide !== undefined ? { strikesPerSide: mk.strikesPerSide } : {}),
    });
    for (const root of s.chain.roots) mk.rootToUnderlying.set(root.root, s.profile.symbol);
  }
  return s.chain;
}

/** Index of `strike` in ascending `strikes` (compared at the chain's 1/1000 rounding), or -1. */
function strikeIndex(strikes: readonly number[], strike: number): number {
  const want = Math.round(strike * 1000);
  let lo = 0;
  let hi = strikes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const have = Math.round((strikes[mid] as number) * 1000);
    if (have === want) return mid;
    if (have < want) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The listed contract for a key, built on each lookup: the chain (expirations and strike lists)
 * is the only thing kept. A map of every contract by symbol held ~4M strings and objects (220 MB
 * of heap) for the full universe's ~227k options, for lookups that cost about the same without it.
 */
function contractOf(chain: OptionChain, key: OptionKey): OptionContract | undefined {
  const root = chain.roots.find((r) => r.root === key.root);
  const e = root?.expirations.find((x) => x.day === key.expiration);
  if (!root || !e) return undefined;
  const i = strikeIndex(e.strikes, key.strike);
  if (i < 0) return undefined;
  const k: OptionKey = {
    root: root.root,
    expiration: e.day,
    isCall: key.isCall,
    strike: e.strikes[i] as number,
  };
  return {
    ...k,
    underlying: chain.underlying,
    occ: occSymbol(k),
    streamer: streamerOptionSymbol(k),
    chainType: root.chainType,
    sharesPerContract: root.sharesPerContract,
    settlement: e.settlement,
    expirationType: e.type,
  };
}

export function underlyingForRoot(mk: MarketState, root: string): string | undefined {
  const known = mk.rootToUnderlying.get(root);
  if (known) return known;
  // Candidates: the root itself, BRKB → BRK/B, SPXW → SPX, BABA2 → BABA, XYZ1 → XYZ…
  const candidates = [root, ...mk.symbols.filter((sym) => standardRoot(sym) === root)];
  const stripped = root.replace(/\d+$/, "");
  if (stripped !== root)
    candidates.push(...mk.symbols.filter((sym) => standardRoot(sym).startsWith(stripped)));
  for (const [idx, weekly] of [
    ["SPX", "SPXW"],
    ["NDX", "NDXP"],
    ["RUT", "RUTW"],
  ] as const)
    if (root === weekly) candidates.push(idx);
  for (const sym of candidates) {
    const s = mk.state(sym);
    if (!s) continue;
    chainOf(mk, s);
    if (mk.rootToUnderlying.get(root) === sym) return sym;
  }
  return undefined;
}

export function optionOf(mk: MarketState, symbol: string): OptionContract | undefined {
  const key = symbol.startsWith(".") ? parseStreamerOptionSymbol(symbol) : parseOccSymbol(symbol);
  if (!key) return undefined;
  const underlying = underlyingForRoot(mk, key.root);
  if (!underlying) return undefined;
  const s = mk.state(underlying);
  if (!s) return undefined;
  return contractOf(chainOf(mk, s), key);
}
