/**
 * NestedChain records backed by the scanner's strike columns (chain-scan.ts). The chain and
 * expiration fields are plain values; each expiration's `strikes` array is built from the columns
 * on first access (then it is an ordinary, writable array), so a collection that only tabulates
 * chains never creates a JS object per strike. `strikeColumnsOf` gives the DataFrame builder the
 * columns of an expiration whose strikes were never materialised.
 */
import { SYMBOL_FIELDS as F, type ScannedChains, type StrikeColumns, symbolAt } from "./chain-scan.ts";
import type { ChainExpiration, ChainStrike, NestedChain } from "./models.ts";

export interface StrikeRange {
  columns: StrikeColumns;
  from: number;
  to: number;
}

/** Expirations whose strikes still live only in the columns. */
const pending = new WeakMap<ChainExpiration, StrikeRange>();

export function strikeColumnsOf(e: ChainExpiration): StrikeRange | undefined {
  return pending.get(e);
}

export function materializeStrikes(cols: StrikeColumns, from: number, to: number): ChainStrike[] {
  const { strikePrice } = cols;
  const out: ChainStrike[] = new Array(to - from);
  for (let i = from; i < to; i++) {
    const p = strikePrice[i] as number;
    out[i - from] = {
      strikePrice: Number.isNaN(p) ? null : p,
      call: symbolAt(cols, i, F.call),
      callStreamerSymbol: symbolAt(cols, i, F.callStreamer),
      put: symbolAt(cols, i, F.put),
      putStreamerSymbol: symbolAt(cols, i, F.putStreamer),
    };
  }
  return out;
}

function lazyStrikes(e: Omit<ChainExpiration, "strikes">, range: StrikeRange): ChainExpiration {
  const exp = e as ChainExpiration;
  let current: ChainStrike[] | null = null;
  const settle = (value: ChainStrike[]) => {
    current = value;
    pending.delete(exp);
    // Becomes a plain data property; a frozen record keeps the accessor (and `current`).
    if (Object.isExtensible(exp) && !Object.isFrozen(exp))
      Object.defineProperty(exp, "strikes", { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(exp, "strikes", {
    enumerable: true,
    configurable: true,
    get() {
      if (current === null) settle(materializeStrikes(range.columns, range.from, range.to));
      return current;
    },
    set(value: ChainStrike[]) {
      settle(value);
    },
  });
  pending.set(exp, range);
  return exp;
}

export function nestedChainRecords(s: ScannedChains): NestedChain[] {
  return s.chains.map((c) => ({
    underlyingSymbol: c.underlyingSymbol,
    rootSymbol: c.rootSymbol,
    optionChainType: c.optionChainType,
    sharesPerContract: c.sharesPerContract,
    expirations: c.expirations.map((e) =>
      lazyStrikes(
        {
          expirationDate: e.expirationDate,
          daysToExpiration: e.daysToExpiration,
          expirationType: e.expirationType,
          settlementType: e.settlementType,
        },
        { columns: s.strikes, from: e.from, to: e.to },
      ),
    ),
  }));
}
