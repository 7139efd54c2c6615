/**
 * The one symbol-list reader: tickers for the pipeline, streamer symbols (options too) for
 * `ttapi stream`; the same cap, file check, comments, encoding and error lines for both.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { occToStreamer, parseSymbolList, readSymbolList } from "./symbol-list.ts";
import { tempDirs } from "./testing/temp-dirs.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const tmp = tempDirs();
const dir = tmp.make("ttapi-symbol-list-");
afterAll(() => tmp.removeAll());
const at = () => "x";

test("OCC option symbols → streamer form; anything else is not OCC", () => {
  expect(occToStreamer("SPY   260116C00500000")).toBe(".SPY260116C500");
  expect(occToStreamer("SPY260116P00012500")).toBe(".SPY260116P12.5");
  expect(occToStreamer("BABA2 260116C00085000")).toBe(".BABA2260116C85");
  expect(occToStreamer(".SPY260116C500")).toBeNull();
  expect(occToStreamer("SPY")).toBeNull();
});

test("ticker rule: upper-cased, option and streamer symbols refused", () => {
  expect(parseSymbolList(["aapl, brk/b", "spy"], at)).toEqual(["AAPL", "BRK/B", "SPY"]);
  expect(() => parseSymbolList([".SPY260116C500"], at)).toThrow('x: ".SPY260116C500" is not a ticker symbol');
});

test("stream rule: streamer, option and OCC symbols kept as written; spaces separate; duplicates go", () => {
  expect(
    parseSymbolList(
      ["SPY, .SPY260116C500", "SPY   260116C00500000", "/ESZ25:XCME SPY{=1d}", "BTC/USD:CXTALP,spy"],
      at,
      "stream",
    ),
  ).toEqual(["SPY", ".SPY260116C500", "/ESZ25:XCME", "SPY{=1d}", "BTC/USD:CXTALP", "spy"]);
  expect(() => parseSymbolList(["SPY\u001b]0;x\u0007"], at, "stream")).toThrow(
    'x: "SPY\\x1b]0;x\\x07" is not a streamer symbol',
  );
  expect(() => parseSymbolList(["A".repeat(65)], at, "stream")).toThrow("is not a streamer symbol");
});

test("files: BOM, CRLF, comments and blank lines; errors name file and line", () => {
  const f = join(dir, "list.txt");
  writeFileSync(
    f,
    "\ufeff# options to watch\r\n.SPY260116C500\r\nSPY   260116P00450000  # OCC\r\n\r\nQQQ\r\n",
  );
  expect(readSymbolList(f, "--symbols-file", "stream")).toEqual([".SPY260116C500", ".SPY260116P450", "QQQ"]);
  expect(() => readSymbolList(f, "symbols file", "ticker")).toThrow(
    `${f}:2: ".SPY260116C500" is not a ticker symbol`,
  );
  writeFileSync(f, Buffer.from("SPY\nCAF\xc9\n", "latin1"));
  expect(() => readSymbolList(f, "--symbols-file", "stream")).toThrow(
    `${f}:2: "CAF\ufffd" is not valid UTF-8 text`,
  );
  writeFileSync(f, "# nothing yet\n");
  expect(() => readSymbolList(f, "--symbols-file", "stream")).toThrow(`--symbols-file ${f} lists no symbols`);
});

test("files: a FIFO or a device is refused at once, whatever the rule", () => {
  const fifo = join(dir, "fifo");
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
  expect(() => readSymbolList(fifo, "--symbols-file", "stream")).toThrow(
    "is a FIFO (named pipe), not a regular file",
  );
  expect(() => readSymbolList("/dev/zero", "symbols file")).toThrow(
    "is a character device, not a regular file",
  );
});
