import { describe, expect, test } from "bun:test";
import { isoFromDays } from "../../core/bars.ts";
import { parseAscii, symbolFromFileName } from "./index.ts";

function rows(text: string | Uint8Array, defaultSymbol?: string) {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const r = parseAscii(bytes, { defaultSymbol });
  const c = r.columns;
  const out = [];
  for (let i = 0; i < c.length; i++) {
    out.push({
      symbol: c.symbols[c.symbolIndex[i]!],
      per: String.fromCharCode(c.period[i]!),
      date: isoFromDays(c.date[i]!),
      time: c.time[i]! < 0 ? null : c.time[i],
      o: c.open[i],
      h: c.high[i],
      l: c.low[i],
      c: c.close[i],
      v: c.volume[i],
      oi: Number.isNaN(c.openint[i]!) ? null : c.openint[i],
    });
  }
  return { out, errors: r.errors, errorCount: r.errorCount };
}

describe("ASCII header variants (reference table 1.1)", () => {
  test("Stooq bulk: <TICKER>,<PER>,<DATE>,<TIME>,…,<OPENINT>", () => {
    const { out } = rows(
      "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\nAAA.US,D,20261001,000000,10,11,9,10.5,1000,0\n",
    );
    expect(out).toEqual([
      {
        symbol: "AAA.US",
        per: "D",
        date: "2026-10-01",
        time: null,
        o: 10,
        h: 11,
        l: 9,
        c: 10.5,
        v: 1000,
        oi: 0,
      },
    ]);
  });
  test("Reuters/MT4 intraday with DTYYYYMMDD and HHMMSS", () => {
    const { out } = rows(
      "<TICKER>,<PER>,<DTYYYYMMDD>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n.IBEX,I,20050103,090100,9085.2,9090,9080,9085.5,2710,0\n",
    );
    expect(out[0]).toMatchObject({
      symbol: ".IBEX",
      per: "I",
      date: "2005-01-03",
      time: 90100,
      o: 9085.2,
      c: 9085.5,
    });
  });
  test("EODData 3FV: no TIME and no OPENINT", () => {
    const { out } = rows(
      "<TICKER>,<PER>,<DTYYYYMMDD>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>\nE,D,20111212,1,2,0.5,1.5,100\n",
    );
    expect(out[0]).toMatchObject({ time: null, o: 1, h: 2, l: 0.5, c: 1.5, v: 100, oi: null });
  });
  test("Finam: numeric PER (minutes) is intraday, no OPENINT, long decimals", () => {
    const { out } = rows(
      "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>\nUSDRUB,5,20020501,100500,31.0800000,31.1,31,31.0900000,7\n",
    );
    expect(out[0]).toMatchObject({ per: "I", time: 100500, o: 31.08, c: 31.09, oi: null });
  });
  test("tick export: <VOLUME>, only CLOSE → O/H/L = close, HHMM time", () => {
    const { out } = rows(
      "<TICKER>,<PER>,<DTYYYYMMDD>,<TIME>,<CLOSE>,<VOLUME>\nOTP,0,20111212,0905,1.5,100\n",
    );
    expect(out[0]).toMatchObject({ per: "I", time: 90500, o: 1.5, h: 1.5, l: 1.5, c: 1.5, v: 100 });
  });
  test("Rahavard: mixed case, lower-case d, CRLF, BOM, more columns than the header", () => {
    const { out, errors } = rows(
      "\uFEFF<Ticker>,<Per>,<DTYYYYMMDD>,<TIME>,<Open>,<High>,<Low>,<Close>,<Vol>,<Openint>\r\nX,d,20061124,000000,66.7500,67.2500,64.5000,65.0000,77919,0,9,9,9\r\n",
    );
    expect(errors).toEqual([]);
    expect(out[0]).toMatchObject({ symbol: "X", per: "D", date: "2006-11-24", c: 65, v: 77919 });
  });
  test("Stooq per-symbol: Date,Open,… with YYYY-MM-DD, symbol from the file name, missing volume", () => {
    const { out } = rows(
      "Date,Open,High,Low,Close,Volume\n2005-02-25,1,2,0.5,1.5,5\n2005-02-28,1,2,0.5,1.6\n",
      symbolFromFileName("x/^spx.us.txt"),
    );
    expect(out.map((r) => [r.symbol, r.date, r.v])).toEqual([
      ["^SPX.US", "2005-02-25", 5],
      ["^SPX.US", "2005-02-28", 0],
    ]);
  });
  test("MetaStock DownLoader: lower-case names, spaces after commas, <o/i>, YYMMDD, trailing separator", () => {
    const { out, errors } = rows(
      "<ticker>, <per>, <date>, <time>, <open>, <high>, <low>, <close>, <vol>, <o/i>\nZ, w, 080121, 0000, 1, 2, 0.5, 1.5, 5, 6,\n",
    );
    expect(errors).toEqual([]);
    expect(out[0]).toMatchObject({ symbol: "Z", per: "W", date: "2008-01-21", time: null, v: 5, oi: 6 });
  });
  test("names bare, quoted or [..]; semicolon and tab separators", () => {
    expect(rows('"TICKER";[DATE];Close\nA;20200102;3\n').out[0]).toMatchObject({
      symbol: "A",
      date: "2020-01-02",
      c: 3,
    });
    expect(rows("ticker\tdate\tclose\tvolume\nA\t20200102\t3\t4\n").out[0]).toMatchObject({ c: 3, v: 4 });
  });
  test("no header, 7 and 8 columns", () => {
    expect(rows("INTC,20111212,24.18,24.29,23.61,24,94839500\n").out[0]).toMatchObject({
      symbol: "INTC",
      o: 24.18,
      c: 24,
      v: 94839500,
    });
    expect(rows("INTC,D,20111212,24.18,24.29,23.61,24,94839500\n").out[0]).toMatchObject({
      per: "D",
      h: 24.29,
      l: 23.61,
    });
  });
  test("junk before the header, M/D/Y dates, no trailing newline", () => {
    const { out } = rows("Warning: something in PHP\n\n<DATE>,<CLOSE>\n12/21/2008,5", "Q");
    expect(out).toEqual([
      { symbol: "Q", per: "D", date: "2008-12-21", time: null, o: 5, h: 5, l: 5, c: 5, v: 0, oi: null },
    ]);
  });
  test("DATE as `21 Jan 2008` or `Sat, 21 Jan 2008` (MetaStock's text forms)", () => {
    const { out, errors } = rows("<DATE>;<CLOSE>\n21 Jan 2008;5\nTue, 22 jan 2008;6\n23 Foo 2008;7\n", "Q");
    expect(out.map((r) => [r.date, r.c])).toEqual([
      ["2008-01-21", 5],
      ["2008-01-22", 6],
    ]);
    expect(errors).toEqual([{ line: 4, reason: 'bad date in date field "23 Foo 2008"' }]);
  });
  test("exponents and long mantissas fall back to exact parseFloat", () => {
    const { out } = rows("<DATE>,<CLOSE>,<VOL>\n20200101,1.2345678901234567,1e6\n", "Q");
    expect(out[0]).toMatchObject({ c: 1.2345678901234567, v: 1e6 });
  });
});

describe("bad rows are skipped and reported with the line", () => {
  test("bad date, short row, bad number, bad period", () => {
    const text = [
      "<TICKER>,<PER>,<DATE>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>",
      "A,D,20200102,1,2,0.5,1.5,10",
      "A,D,2020013x,1,2,0.5,1.5,10",
      "A,D,20200103,1,2,0.5",
      "A,D,20200104,1,2,abc,1.5,10",
      "A,X,20200105,1,2,0.5,1.5,10",
      "A,D,20200230,1,2,0.5,1.5,10",
      "A,D,20200106,1,2,0.5,1.5,10",
    ].join("\n");
    const { out, errors, errorCount } = rows(text);
    expect(out.map((r) => r.date)).toEqual(["2020-01-02", "2020-01-06"]);
    expect(errorCount).toBe(5);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(errors[0]!.reason).toContain("bad date");
    expect(errors[1]!.reason).toContain("expected at least 7 fields");
    expect(errors[2]!.reason).toContain("bad number in low field");
    expect(errors[3]!.reason).toContain("bad period");
  });
  test("strict stops at the first bad row", () => {
    const r = parseAscii(new TextEncoder().encode("<DATE>,<CLOSE>\n20200101,1\nxx,1\n20200103,1\n"), {
      defaultSymbol: "A",
      strict: true,
    });
    expect(r.stopped).toBe(true);
    expect(r.rows).toBe(1);
    expect(r.errors).toEqual([{ line: 3, reason: 'bad date in date field "xx"' }]);
  });
  test("a file without header or data gets one error", () => {
    const r = parseAscii(new TextEncoder().encode("hello\nworld\n"));
    expect(r.rows).toBe(0);
    expect(r.errors[0]!.reason).toContain("no MetaStock header");
  });
});
