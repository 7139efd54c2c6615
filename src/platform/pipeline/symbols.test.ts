import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSymbolList } from "../../core/symbol-list.ts";
import { readSymbolsFile, resolveSymbols } from "./symbols.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-symbols-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("lists: trimmed, upper-cased, comma-split, deduplicated in first-seen order", () => {
  expect(parseSymbolList(["aapl, msft", " AAPL", "brk/b,,SPY"], () => "x")).toEqual([
    "AAPL",
    "MSFT",
    "BRK/B",
    "SPY",
  ]);
});

test("precedence: --symbols, then --symbols-file, then config run.symbols-file, then run.symbols", () => {
  const f = join(dir, "u.txt");
  writeFileSync(f, "# my universe\nqqq\r\nIWM  # small caps\n\n");
  expect(resolveSymbols({ symbols: ["AAPL"], symbolsFile: f, configSymbols: ["SPY"] })).toEqual({
    symbols: ["AAPL"],
    from: "--symbols",
  });
  expect(resolveSymbols({ symbolsFile: f, configSymbols: ["SPY"] })).toEqual({
    symbols: ["QQQ", "IWM"],
    from: f,
  });
  expect(resolveSymbols({ configSymbolsFile: f, configSymbols: ["SPY"] }).symbols).toEqual(["QQQ", "IWM"]);
  expect(resolveSymbols({ configSymbols: ["spy"] })).toEqual({
    symbols: ["SPY"],
    from: "config run.symbols",
  });
});

test("bad input: one clear error naming the file and line", () => {
  const f = join(dir, "bad.txt");
  writeFileSync(f, "AAPL\nMS FT\n");
  expect(() => readSymbolsFile(f)).toThrow(`${f}:2: "MS FT" is not a ticker symbol`);
  expect(() => readSymbolsFile(join(dir, "missing.txt"))).toThrow(
    /cannot read symbols file .*missing\.txt: no such file or folder/,
  );
  const empty = join(dir, "empty.txt");
  writeFileSync(empty, "# nothing\n");
  expect(() => readSymbolsFile(empty)).toThrow("lists no symbols");
  expect(() => resolveSymbols({ configSymbols: [] })).toThrow("no symbols to run on");
});
