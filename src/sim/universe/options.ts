/**
 * Chains and listed options: each underlying's chain (built once from today's price and surface),
 * every contract of it by streamer symbol, and the lookup of an OCC or streamer symbol to its
 * contract through its root (standard, index weekly or adjusted).
 */
import { buildChain, type OptionChain, standardRoot } from "./chain.ts";
import type { MarketState } from "./market-state.ts";
import { atmVolOf } from "./surface.ts";
import { occSymbol, parseOccSymbol, parseStreamerOptionSymbol, streamerOptionSymbol } from "./symbology.ts";
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
    const map = new Map<string, OptionContract>();
    for (const root of s.chain.roots) {
      mk.rootToUnderlying.set(root.root, s.profile.symbol);
      for (const e of root.expirations) {
        for (const strike of e.strikes) {
          for (const isCall of [true, false]) {
            const key = { root: root.root, expiration: e.day, isCall, strike };
            const c: OptionContract = {
              ...key,
              underlying: s.profile.symbol,
              occ: occSymbol(key),
              streamer: streamerOptionSymbol(key),
              chainType: root.chainType,
              sharesPerContract: root.sharesPerContract,
              settlement: e.settlement,
              expirationType: e.type,
            };
            map.set(c.streamer, c);
          }
        }
      }
    }
    s.options = map;
  }
  return s.chain;
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
  chainOf(mk, s);
  return s.options?.get(streamerOptionSymbol(key));
}
