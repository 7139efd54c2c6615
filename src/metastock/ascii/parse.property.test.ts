/**
 * Property tests: any valid row set written in any supported ASCII variant parses back to the
 * same values; random corruption never throws (rows are parsed or reported, never a crash).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { civilFromDays, daysFromCivil } from "../../core/bars.ts";
import { parseAscii } from "./index.ts";

interface Row {
  symbol: string;
  period: string;
  day: number;
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  openint: number;
}

const price = fc
  .integer({ min: 0, max: 99_999_999 })
  .chain((m) => fc.integer({ min: 0, max: 6 }).map((k) => m / 10 ** k));
const rowArb = (intraday: boolean) =>
  fc.record({
    symbol: fc.constantFrom("AAPL.US", "^SPX", "BRK-B", "X", "7203.JP", ".N225"),
    period: intraday ? fc.constant("I") : fc.constantFrom("D", "W", "M"),
    day: fc.integer({ min: daysFromCivil(1950, 1, 1), max: daysFromCivil(2049, 12, 31) }),
    time: intraday
      ? fc
          .tuple(
            fc.integer({ min: 0, max: 23 }),
            fc.integer({ min: 0, max: 59 }),
            fc.integer({ min: 0, max: 59 }),
          )
          .map(([h, m, s]) => h * 10000 + m * 100 + s)
      : fc.constant(-1),
    open: price,
    high: price,
    low: price,
    close: price,
    volume: fc.integer({ min: 0, max: 2 ** 40 }),
    openint: fc.integer({ min: 0, max: 10_000_000 }),
  });

interface Variant {
  wrap: "bare" | "angle" | "square" | "quoted";
  lower: boolean;
  sep: string;
  eol: string;
  bom: boolean;
  trailingSep: boolean;
  dateStyle: "DTYYYYMMDD" | "DATE-ISO" | "DTYYMMDD";
  timeStyle: "HHMMSS" | "HHMM" | "none";
  hasVol: boolean;
  hasOi: boolean;
  lowerPeriod: boolean;
  volName: "VOL" | "VOLUME";
  oiName: "OPENINT" | "O/I" | "OI";
}

const variantArb: fc.Arbitrary<Variant> = fc.record({
  wrap: fc.constantFrom("bare", "angle", "square", "quoted"),
  lower: fc.boolean(),
  sep: fc.constantFrom(",", ";", "\t"),
  eol: fc.constantFrom("\n", "\r\n"),
  bom: fc.boolean(),
  trailingSep: fc.boolean(),
  dateStyle: fc.constantFrom("DTYYYYMMDD", "DATE-ISO", "DTYYMMDD"),
  timeStyle: fc.constantFrom("HHMMSS", "HHMM", "none"),
  hasVol: fc.boolean(),
  hasOi: fc.boolean(),
  lowerPeriod: fc.boolean(),
  volName: fc.constantFrom("VOL", "VOLUME"),
  oiName: fc.constantFrom("OPENINT", "O/I", "OI"),
});

const pad = (n: number, w: number) => String(n).padStart(w, "0");

function render(rows: Row[], v: Variant): string {
  const name = (s: string) => {
    const t = v.lower ? s.toLowerCase() : s;
    return v.wrap === "angle"
      ? `<${t}>`
      : v.wrap === "square"
        ? `[${t}]`
        : v.wrap === "quoted"
          ? `"${t}"`
          : t;
  };
  const dateCol = v.dateStyle === "DATE-ISO" ? "DATE" : v.dateStyle;
  const cols = [
    "TICKER",
    "PER",
    dateCol,
    ...(v.timeStyle !== "none" ? ["TIME"] : []),
    "OPEN",
    "HIGH",
    "LOW",
    "CLOSE",
  ];
  if (v.hasVol) cols.push(v.volName);
  if (v.hasOi) cols.push(v.oiName);
  const lines = [cols.map(name).join(v.sep)];
  for (const r of rows) {
    const { y, m, d } = civilFromDays(r.day);
    const date =
      v.dateStyle === "DATE-ISO"
        ? `${y}-${pad(m, 2)}-${pad(d, 2)}`
        : v.dateStyle === "DTYYMMDD"
          ? `${pad(y % 100, 2)}${pad(m, 2)}${pad(d, 2)}`
          : `${y}${pad(m, 2)}${pad(d, 2)}`;
    const t = Math.max(r.time, 0);
    const fields = [r.symbol, v.lowerPeriod ? r.period.toLowerCase() : r.period, date];
    if (v.timeStyle === "HHMMSS") fields.push(pad(t, 6));
    if (v.timeStyle === "HHMM") fields.push(pad(Math.floor(t / 100), 4));
    fields.push(String(r.open), String(r.high), String(r.low), String(r.close));
    if (v.hasVol) fields.push(String(r.volume));
    if (v.hasOi) fields.push(String(r.openint));
    lines.push(fields.join(v.sep) + (v.trailingSep ? v.sep : ""));
  }
  return (v.bom ? "\uFEFF" : "") + lines.join(v.eol) + v.eol;
}

describe("ASCII parser properties", () => {
  test("any valid row set in any supported variant parses back to the same values", () => {
    fc.assert(
      fc.property(
        fc
          .boolean()
          .chain((intraday) =>
            fc.tuple(fc.array(rowArb(intraday), { minLength: 1, maxLength: 40 }), variantArb),
          ),
        ([rows, v0]) => {
          // Intraday rows need a time column; EOD rows are written with time 000000 or none.
          const v =
            rows[0]!.period === "I" && v0.timeStyle === "none" ? { ...v0, timeStyle: "HHMMSS" as const } : v0;
          const text = render(rows, v);
          const r = parseAscii(new TextEncoder().encode(text));
          expect(r.errors).toEqual([]);
          expect(r.rows).toBe(rows.length);
          const c = r.columns;
          rows.forEach((row, i) => {
            const expectTime =
              row.period === "I"
                ? v.timeStyle === "HHMM"
                  ? Math.floor(row.time / 100) * 100
                  : row.time
                : -1;
            expect({
              symbol: c.symbols[c.symbolIndex[i]!],
              period: String.fromCharCode(c.period[i]!),
              day: c.date[i],
              time: c.time[i],
              open: c.open[i],
              high: c.high[i],
              low: c.low[i],
              close: c.close[i],
              volume: c.volume[i],
              openint: c.openint[i],
            }).toEqual({
              symbol: row.symbol,
              period: row.period,
              day: row.day,
              time: expectTime,
              open: row.open,
              high: row.high,
              low: row.low,
              close: row.close,
              volume: v.hasVol ? row.volume : 0,
              openint: v.hasOi ? row.openint : Number.NaN,
            });
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("random byte corruption never throws: every line is a row or a reported error", () => {
    const base = render(
      Array.from({ length: 30 }, (_, i) => ({
        symbol: "ABC.US",
        period: "D",
        day: daysFromCivil(2020, 1, 1) + i,
        time: -1,
        open: 1.5 + i,
        high: 2.25 + i,
        low: 1 + i,
        close: 2 + i,
        volume: 1000 * i,
        openint: 0,
      })),
      {
        wrap: "angle",
        lower: false,
        sep: ",",
        eol: "\r\n",
        bom: false,
        trailingSep: false,
        dateStyle: "DTYYYYMMDD",
        timeStyle: "HHMMSS",
        hasVol: true,
        hasOi: true,
        lowerPeriod: false,
        volName: "VOL",
        oiName: "OPENINT",
      },
    );
    const bytes = new TextEncoder().encode(base);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat(bytes.length - 1),
            fc.integer({ min: 0, max: 255 }),
            fc.constantFrom("set", "insert", "delete"),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        fc.boolean(),
        (edits, strict) => {
          const b = Array.from(bytes);
          for (const [at, value, op] of edits) {
            const i = Math.min(at, b.length - 1);
            if (op === "set") b[i] = value;
            else if (op === "insert") b.splice(i, 0, value);
            else if (b.length > 1) b.splice(i, 1);
          }
          const r = parseAscii(Uint8Array.from(b), { strict });
          expect(r.rows).toBe(r.columns.length);
          for (let i = 0; i < r.rows; i++) {
            expect(Number.isFinite(r.columns.date[i]!)).toBe(true);
            expect(Number.isNaN(r.columns.close[i]!)).toBe(false);
          }
          for (const e of r.errors) {
            expect(e.line).toBeGreaterThan(0);
            expect(e.reason.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test("the fast path and the general path agree on any input (rows, errors, dictionary, order)", () => {
    const tok = fc.constantFrom(
      "AAA.US",
      "bbb",
      " C ",
      '"D"',
      "D",
      "d",
      "I",
      "5",
      "20200101",
      "20200131",
      "20200229",
      "20210229",
      "2020-01-05",
      "200105",
      "000000",
      "093000",
      "0930",
      "10.5",
      "-3.25",
      "1e3",
      "+4",
      "",
      "0",
      "123456789012345678",
      ".5",
      "5.",
      " 7 ",
      "x",
      "18871015",
    );
    const line = fc
      .tuple(
        fc.array(tok, { maxLength: 12 }),
        fc.constantFrom(",", ";", "\t", " "),
        fc.constantFrom("\n", "\r\n", "\r", ",\n", ""),
      )
      .map(([t, sep, eol]) => t.join(sep) + eol);
    const good = (d: number, s: string) => `${s},D,${20200100 + d},000000,1.5,2.25,1,1.75,1000,0\n`;
    const header = fc.constantFrom(
      "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n",
      "<TICKER>,<DTYYYYMMDD>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>\n",
      "<ticker>;<per>;<date>;<open>;<high>;<low>;<close>;<vol>;\n",
      "Date,Open,High,Low,Close,Volume\n",
      "",
    );
    const body = fc.array(
      fc.oneof(
        line,
        fc
          .tuple(fc.integer({ min: 1, max: 31 }), fc.constantFrom("AAA.US", "BBB", "aaa.us"))
          .map(([d, s]) => good(d, s)),
      ),
      { maxLength: 40 },
    );
    const view = (r: ReturnType<typeof parseAscii>) => {
      const c = r.columns;
      const n = c.length;
      const { columns: _, detection: __, ...rest } = r;
      return {
        rest,
        symbols: c.symbols,
        cols: [
          c.symbolIndex,
          c.period,
          c.date,
          c.time,
          c.open,
          c.high,
          c.low,
          c.close,
          c.volume,
          c.openint,
        ].map((a) => Array.from(a.subarray(0, n), String)),
      };
    };
    fc.assert(
      fc.property(header, body, fc.boolean(), (h, lines, strict) => {
        const bytes = new TextEncoder().encode(h + lines.join(""));
        const o = { defaultSymbol: "DEF", strict, maxErrors: 5 };
        expect(view(parseAscii(bytes, { ...o, fastPath: true }))).toEqual(
          view(parseAscii(bytes, { ...o, fastPath: false })),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
