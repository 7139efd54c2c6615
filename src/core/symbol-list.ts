/**
 * Symbol lists as users give them (`--symbols A,B`, a file with one symbol per line, `#` comments,
 * commas allowed): the one reader for every command, so the size cap, the regular-file check, the
 * encoding and the error lines are the same everywhere. What counts as a symbol is the command's:
 *  - `ticker` (the pipeline): trimmed, upper-cased, ticker characters only (AAPL, BRK/B);
 *  - `stream` (DXLink subscriptions): written as given, case kept (`SPY{=1d}` differs from
 *    `SPY{=1D}`), any printable text without spaces: `.SPY260116C500`, `/ESZ25:XCME`, `BTC/USD:CXTALP`.
 *    An OCC option symbol (`SPY   260116C00500000`, spaces optional) is turned into its streamer
 *    form (`.SPY260116C500`), the only form DXLink knows. Spaces otherwise separate symbols.
 * Both trim, drop blanks and duplicates (first seen wins); a symbol that breaks the rule is one
 * error line naming the file and line, with the input escaped.
 */
import { usageError } from "./errors.ts";
import { quoteInput, readInputText } from "./input-file.ts";

export type SymbolRule = "ticker" | "stream";

const TICKER = /^[A-Z0-9][A-Z0-9./\-^$]{0,20}$/;
/** Printable, no spaces, no control or bidi characters; far longer than any real streamer symbol. */
const STREAM = /^[^\s\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]{1,64}$/u;
/** OCC: root (1–6, padded with spaces), YYMMDD, C|P, strike × 1000 in 8 digits. */
const OCC = /^([A-Z0-9./]{1,6}) *(\d{6})([CP])(\d{8})$/;

/** `SPY   260116C00500000` → `.SPY260116C500`; null for anything that is not an OCC symbol. */
export function occToStreamer(symbol: string): string | null {
  const m = OCC.exec(symbol);
  if (!m) return null;
  const strike = Number(m[4]) / 1000;
  return `.${m[1]}${m[2]}${m[3]}${String(strike)}`;
}

const RULES: Record<SymbolRule, { check: (s: string) => string[] | null; hint: string; noun: string }> = {
  ticker: {
    check: (s) => {
      const t = s.toUpperCase();
      return TICKER.test(t) ? [t] : null;
    },
    hint: "use symbols such as AAPL, BRK/B, SPY",
    noun: "a ticker symbol",
  },
  stream: {
    check: (s) => {
      const occ = occToStreamer(s);
      if (occ) return [occ];
      const parts = s.split(/\s+/);
      return parts.every((p) => STREAM.test(p)) ? parts : null;
    },
    hint: "use streamer symbols such as SPY, .SPY260116C500, /ESZ25:XCME, or OCC option symbols",
    noun: "a streamer symbol",
  },
};

/** Items (arguments or lines) → symbols; `where(i)` names item i in an error ("file:3"). */
export function parseSymbolList(
  items: readonly string[],
  where: (i: number) => string,
  rule: SymbolRule = "ticker",
): string[] {
  const { check, hint, noun } = RULES[rule];
  const out: string[] = [];
  const seen = new Set<string>();
  items.forEach((raw, i) => {
    for (const part of raw.split(",")) {
      const s = part.trim();
      if (!s) continue;
      if (s.includes("\ufffd"))
        throw usageError(`${where(i)}: ${quoteInput(s)} is not valid UTF-8 text`, {
          hint: "save the list as UTF-8 (symbols are ASCII)",
        });
      const symbols = check(s);
      if (!symbols) throw usageError(`${where(i)}: ${quoteInput(s)} is not ${noun}`, { hint });
      for (const sym of symbols) {
        if (seen.has(sym)) continue;
        seen.add(sym);
        out.push(sym);
      }
    }
  });
  return out;
}

/**
 * A symbols file: a regular file of at most 4 MiB (`/dev/zero`, a FIFO or a wrong multi-GB file
 * fails at once), UTF-8 with or without a byte-order mark, one or more symbols a line, `#` comments.
 * A file that lists nothing is an error: it is a wrong file, not an empty universe.
 */
export function readSymbolList(path: string, what: string, rule: SymbolRule = "ticker"): string[] {
  const text = readInputText(path, what).replace(/^\ufeff/, "");
  const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, ""));
  const list = parseSymbolList(lines, (i) => `${path}:${i + 1}`, rule);
  if (list.length === 0)
    throw usageError(`${what} ${path} lists no symbols`, { hint: "one symbol per line, # starts a comment" });
  return list;
}
