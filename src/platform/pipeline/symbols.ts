/**
 * The run's universe: `--symbols A,B`, else `--symbols-file F` (one symbol per line, `#` comments,
 * commas allowed), else config `run.symbols-file`, else config `run.symbols`. Symbols are trimmed,
 * upper-cased and deduplicated in first-seen order; a symbol with characters no ticker has gets one
 * clear error naming the file and line (the one list reader: core/symbol-list.ts).
 */
import { usageError } from "../../core/errors.ts";
import { parseSymbolList, readSymbolList } from "../../core/symbol-list.ts";

export interface SymbolSources {
  symbols?: readonly string[] | null;
  symbolsFile?: string | null;
  configSymbols: readonly string[];
  configSymbolsFile?: string | null;
}

/** A symbols file of tickers (core/symbol-list.ts: cap, regular file, comments, UTF-8). */
export function readSymbolsFile(path: string): string[] {
  return readSymbolList(path, "symbols file", "ticker");
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
