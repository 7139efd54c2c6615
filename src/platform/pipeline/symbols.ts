/**
 * The run's universe: `--symbols A,B`, else `--symbols-file F` (one symbol per line, `#` comments,
 * commas allowed), else config `run.symbols-file`, else config `run.symbols`. Symbols are trimmed,
 * upper-cased and deduplicated in first-seen order; a symbol with characters no ticker has gets one
 * clear error naming the file and line.
 */
import { usageError } from "../../core/errors.ts";
import { quoteInput, readInputText } from "../../core/input-file.ts";

const TICKER = /^[A-Z0-9][A-Z0-9./\-^$]{0,20}$/;

export interface SymbolSources {
  symbols?: readonly string[] | null;
  symbolsFile?: string | null;
  configSymbols: readonly string[];
  configSymbolsFile?: string | null;
}

export function parseSymbolList(items: readonly string[], where: (i: number) => string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  items.forEach((raw, i) => {
    for (const part of raw.split(",")) {
      const s = part.trim().toUpperCase();
      if (!s) continue;
      if (!TICKER.test(s))
        throw usageError(`${where(i)}: ${quoteInput(part.trim())} is not a ticker symbol`, {
          hint: "use symbols such as AAPL, BRK/B, SPY",
        });
      if (!seen.has(s)) {
        seen.add(s);
        out.push(s);
      }
    }
  });
  return out;
}

export function readSymbolsFile(path: string): string[] {
  // A regular file of at most 4 MiB: `/dev/zero` or a wrong multi-GB file fails at once.
  const text = readInputText(path, "symbols file");
  const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, ""));
  const list = parseSymbolList(lines, (i) => `${path}:${i + 1}`);
  if (list.length === 0)
    throw usageError(`symbols file ${path} lists no symbols`, {
      hint: "one symbol per line, # starts a comment",
    });
  return list;
}

export function resolveSymbols(src: SymbolSources): { symbols: string[]; from: string } {
  if (src.symbols && src.symbols.length > 0) {
    const list = parseSymbolList(src.symbols, () => "--symbols");
    if (list.length > 0) return { symbols: list, from: "--symbols" };
  }
  if (src.symbolsFile) return { symbols: readSymbolsFile(src.symbolsFile), from: src.symbolsFile };
  if (src.configSymbolsFile)
    return { symbols: readSymbolsFile(src.configSymbolsFile), from: src.configSymbolsFile };
  const list = parseSymbolList(src.configSymbols, () => "config run.symbols");
  if (list.length === 0)
    throw usageError("no symbols to run on", {
      hint: "pass --symbols A,B, --symbols-file F, or set run.symbols in the config",
    });
  return { symbols: list, from: "config run.symbols" };
}
