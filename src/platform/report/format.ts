/**
 * Text that goes into the HTML: every value from the lake (symbol names above all) is escaped,
 * and the JSON embedded in a <script> element cannot close it or break the script.
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escape text for an HTML text node or a quoted attribute value. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON safe inside `<script type="application/json">`: `<` becomes `\u003c` (so neither
 * `</script` nor `<!--` can appear) and U+2028/U+2029 are escaped (line terminators in older JS
 * parsers). The result is still valid JSON that parses to the same value.
 */
export function scriptJson(value: unknown, replacer?: (key: string, value: unknown) => unknown): string {
  return JSON.stringify(value, replacer)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A fraction as a percentage ("23.4%"), or an em dash. */
export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : `${(v * 100).toFixed(digits)}%`;
}

/** A price with 2 decimals, or an em dash. */
export function price(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(2);
}

/** `YYYY-MM-DD` of a day number. */
export function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Numbers as embedded: below 10 (volatilities, ratios) 4 decimals — 0.01 % of volatility —
 * else 6 significant digits (prices to the cent up to 9,999.99). Charts and tables look the
 * same; the page is a third smaller.
 */
export function compactNumber(v: number): number {
  if (Number.isInteger(v)) return v;
  return Math.abs(v) < 10 ? Math.round(v * 1e4) / 1e4 : Number(v.toPrecision(6));
}

/**
 * Closes as scaled-integer steps: `k` decimals (enough for 5–6 significant digits), the first
 * value then differences. Daily steps are small integers: about half the text of the plain list.
 */
export function encodeSteps(values: readonly number[]): { k: number; q: number[] } {
  const max = Math.max(1e-9, ...values.map(Math.abs));
  const k = Math.max(0, Math.min(6, 5 - Math.ceil(Math.log10(max))));
  const f = 10 ** k;
  let prev = 0;
  const q = values.map((v) => {
    const x = Math.round(v * f);
    const d = x - prev;
    prev = x;
    return d;
  });
  return { k, q };
}

/** Inline script/style text: a literal `</script` or `</style` inside it would end the element. */
export function inlineSafe(text: string): string {
  return text.replace(/<\/(script|style)/gi, "<\\/$1");
}
