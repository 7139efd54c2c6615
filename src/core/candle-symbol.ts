/**
 * dxFeed candle symbols: `<base>{=<period>[,key=value…]}`. The same candle series has several
 * spellings — dxFeed's own string form drops a period value of 1 (`SPY{=d}` is `SPY{=1d}`), long
 * unit names are accepted (`{=1day}`), attribute order is free — so the client and the sim compare
 * them by meaning: `candleKey` maps every spelling of one series to the same canonical string.
 */

export interface CandleSymbol {
  base: string;
  /** Period value (1 when omitted). */
  count: number;
  /** Canonical unit: t s m h d w mo o y v p pm pr. */
  unit: string;
  /** Other attributes, keys and values lower-cased (`tho` → `true`, `price` → `mark`…). */
  attrs: Record<string, string>;
}

const UNIT_ALIASES: Record<string, string> = {
  t: "t",
  tick: "t",
  s: "s",
  sec: "s",
  second: "s",
  m: "m",
  min: "m",
  minute: "m",
  h: "h",
  hour: "h",
  d: "d",
  day: "d",
  w: "w",
  week: "w",
  mo: "mo",
  month: "mo",
  o: "o",
  optexp: "o",
  y: "y",
  year: "y",
  v: "v",
  volume: "v",
  p: "p",
  price: "p",
  pm: "pm",
  pr: "pr",
};

/** Periods of a day or longer (regular-trading-hours filtering applies to these bars). */
const DAILY_OR_LONGER = new Set(["d", "w", "mo", "o", "y"]);

/** Parse a candle symbol; null when it is not one (no `{…}` or no period attribute). */
export function parseCandleSymbol(symbol: string): CandleSymbol | null {
  const open = symbol.indexOf("{");
  if (open <= 0 || !symbol.endsWith("}")) return null;
  const base = symbol.slice(0, open);
  const attrs: Record<string, string> = {};
  let period: string | null = null;
  for (const part of symbol.slice(open + 1, -1).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === "") period = value;
    else attrs[key] = value.toLowerCase();
  }
  if (period === null) return null;
  const m = /^(\d*(?:\.\d+)?)([a-zA-Z]+)$/.exec(period);
  if (!m) return null;
  const unitRaw = m[2]!;
  // `m` is minute and `mo` month in dxFeed; only the long names are case-insensitive.
  const unit = UNIT_ALIASES[unitRaw] ?? UNIT_ALIASES[unitRaw.toLowerCase()];
  if (!unit) return null;
  const count = m[1] === "" ? 1 : Number(m[1]);
  if (!Number.isFinite(count) || count <= 0) return null;
  return { base, count, unit, attrs };
}

/** The canonical spelling: period 1 dropped (`SPY{=d}`), other attributes sorted by key. */
export function formatCandleSymbol(c: CandleSymbol): string {
  const period = c.count === 1 ? c.unit : `${c.count}${c.unit}`;
  const rest = Object.keys(c.attrs)
    .sort()
    .map((k) => `,${k}=${c.attrs[k]}`)
    .join("");
  return `${c.base}{=${period}${rest}}`;
}

/** One key per candle series, whatever the spelling; a non-candle symbol is its own key. */
export function candleKey(symbol: string): string {
  const c = parseCandleSymbol(symbol);
  return c ? formatCandleSymbol(c) : symbol;
}

/** Whether regular-trading-hours filtering (`tho=true`) is meaningful for this period. */
export function isDailyOrLonger(unit: string): boolean {
  return DAILY_OR_LONGER.has(unit);
}

/**
 * The symbol to subscribe for `base` bars of `period` (e.g. `1d`), with `tho=true` for daily or
 * longer periods when regular trading hours are wanted (what the SDKs send by default).
 */
export function candleSymbolFor(base: string, period = "1d", regularHours = true): string {
  const probe = parseCandleSymbol(`${base}{=${period}}`);
  const tho = regularHours && probe !== null && isDailyOrLonger(probe.unit);
  return `${base}{=${period}${tho ? ",tho=true" : ""}}`;
}
