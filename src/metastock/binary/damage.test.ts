/**
 * Damaged and unusual databases (issue 16): every case a real-world database showed, built with
 * the writer so the fixture is small and its expected rows are known exactly. The rule each
 * checks: rows an intact index would yield are read, and whatever is not read is named.
 */
import { describe, expect, test } from "bun:test";
import { daysFromCivil } from "../../core/bars.ts";
import { dataBytesWanted } from "./data-file.ts";
import { readDatabase } from "./database.ts";
import { EMASTER_RECORD, MASTER_RECORD, XMASTER_RECORD } from "./master.ts";
import { type WriterSecurity, writeMetastockDb } from "./writer.ts";

function series(n: number, base = 10, intraday = false): WriterSecurity["rows"] {
  const d0 = daysFromCivil(2020, 1, 2);
  return {
    length: n,
    date: Int32Array.from({ length: n }, (_, i) => d0 + (intraday ? 0 : i)),
    time: Int32Array.from({ length: n }, (_, i) => 93000 + i * 100),
    open: Float64Array.from({ length: n }, (_, i) => base + i),
    high: Float64Array.from({ length: n }, (_, i) => base + i + 1),
    low: Float64Array.from({ length: n }, (_, i) => base + i - 1),
    close: Float64Array.from({ length: n }, (_, i) => base + i + 0.5),
    volume: Float64Array.from({ length: n }, (_, i) => 100 + i),
    openint: new Float64Array(n),
  };
}

const sec = (symbol: string, n: number, extra: Partial<WriterSecurity> = {}): WriterSecurity => ({
  symbol,
  period: "D",
  rows: series(n),
  ...extra,
});

function read(db: Map<string, Uint8Array>) {
  const r = readDatabase([...db.keys()], (n) => db.get(n));
  const perSymbol = new Map<string, number>();
  const c = r.columns;
  for (let i = 0; i < c.length; i++) {
    const s = c.symbols[c.symbolIndex[i]!]!;
    perSymbol.set(s, (perSymbol.get(s) ?? 0) + 1);
  }
  return { ...r, perSymbol };
}

describe("blank MASTER symbols", () => {
  test("each security keeps its rows under a symbol derived from the name, else F<n>", () => {
    const db = writeMetastockDb([
      sec("", 5, { name: "ENI SPA" }),
      sec("", 7, { name: "fiat  group" }),
      sec("", 3, { name: "" }),
      sec("", 4, { name: "ENI SPA" }), // same name again: the file number keeps it apart
      sec("GOOD", 2),
    ]);
    const r = read(db);
    expect(Object.fromEntries(r.perSymbol)).toEqual({ "ENI SPA": 5, "FIAT GROUP": 7, F3: 3, F4: 4, GOOD: 2 });
    expect(
      r.securities.filter((s) => s.derivedFrom).map((s) => [s.fileNumber, s.symbol, s.derivedFrom]),
    ).toEqual([
      [1, "ENI SPA", "name"],
      [2, "FIAT GROUP", "name"],
      [3, "F3", "file number"],
      [4, "F4", "file number"],
    ]);
    expect(r.warnings.some((w) => w.startsWith("4 securities have a blank symbol field"))).toBe(true);
    expect(r.errors).toEqual([]);
  });
});

describe("index files with trailing bytes or truncated", () => {
  const many = Array.from({ length: 300 }, (_, i) => sec(`S${i}`, 2));

  test("XMASTER with a trailing partial record: every whole record is read, the tail reported", () => {
    const db = writeMetastockDb(many);
    const x = db.get("XMASTER")!;
    const tailed = new Uint8Array(x.length + 37);
    tailed.set(x);
    db.set("XMASTER", tailed);
    const r = read(db);
    expect(r.securities).toHaveLength(300);
    expect(r.columns.length).toBe(600);
    expect(r.warnings).toContain("XMASTER: 37 trailing bytes after the last whole record ignored");
    expect(r.errors).toEqual([]);
  });

  test("EMASTER and MASTER with trailing bytes are treated alike", () => {
    const db = writeMetastockDb(many.slice(0, 20));
    for (const n of ["MASTER", "EMASTER"]) {
      const b = db.get(n)!;
      const t = new Uint8Array(b.length + 11);
      t.set(b);
      db.set(n, t);
    }
    const r = read(db);
    expect(r.columns.length).toBe(40);
    expect(r.warnings).toContain("MASTER: 11 trailing bytes after the last whole record ignored");
    expect(r.warnings).toContain("EMASTER: 11 trailing bytes after the last whole record ignored");
  });

  test("a truncated MASTER: the securities only EMASTER still lists are recovered from it", () => {
    const db = writeMetastockDb(many.slice(0, 10));
    db.set("MASTER", db.get("MASTER")!.subarray(0, 6 * MASTER_RECORD + 20)); // 5 whole records + a piece
    const r = read(db);
    expect(r.securities).toHaveLength(10);
    expect(r.columns.length).toBe(20);
    expect(r.errors).toContain("MASTER: header declares 10 records but the file holds 5; reading 5");
    expect(r.warnings.filter((w) => w.includes("listed only in EMASTER"))).toHaveLength(5);
  });

  test("a truncated EMASTER beside an intact MASTER loses nothing", () => {
    const db = writeMetastockDb(many.slice(0, 10));
    db.set("EMASTER", db.get("EMASTER")!.subarray(0, 4 * EMASTER_RECORD));
    const r = read(db);
    expect(r.columns.length).toBe(20);
  });

  test("a truncated XMASTER: the records it still holds are read, the loss is an error", () => {
    const db = writeMetastockDb(many);
    db.set("XMASTER", db.get("XMASTER")!.subarray(0, 11 * XMASTER_RECORD));
    const r = read(db);
    expect(r.securities).toHaveLength(265);
    expect(
      r.errors.some((e) => e.startsWith("XMASTER: header declares 45 records but the file holds 10")),
    ).toBe(true);
    // The .MWD files no index lists any more are named, not dropped silently.
    expect(r.errors.filter((e) => e.includes("not listed in MASTER/EMASTER/XMASTER"))).toHaveLength(35);
  });
});

describe("zero-filled, invalid and missing indexes", () => {
  test("a zero-filled MASTER is an error; EMASTER (when intact) is used instead", () => {
    const db = writeMetastockDb([sec("A", 3), sec("B", 4)]);
    db.set("MASTER", new Uint8Array(db.get("MASTER")!.length));
    let r = read(db);
    expect(r.errors[0]).toStartWith("MASTER: zero-filled");
    expect(r.errors).toContain("MASTER: not usable, using EMASTER");
    expect(r.columns.length).toBe(7);
    db.delete("EMASTER");
    r = read(db);
    expect(r.columns.length).toBe(0);
    expect(r.securities).toEqual([]);
    expect(r.errors[0]).toStartWith("MASTER: zero-filled");
    // Both data files are named as not imported.
    expect(r.errors.filter((e) => e.includes("not listed"))).toHaveLength(2);
  });

  test("an invalid period byte names the security; EMASTER's period wins; intraday bars stay apart", () => {
    const intraday: WriterSecurity = { symbol: "TICK", period: "I", rows: series(6, 10, true) };
    const db = writeMetastockDb([intraday, sec("DAY", 2)]);
    db.get("MASTER")![MASTER_RECORD + 33] = 0x00;
    let r = read(db);
    expect(r.perSymbol.get("TICK")).toBe(6);
    expect(r.errors).toEqual([]);
    db.get("EMASTER")![EMASTER_RECORD + 60] = 0x3f;
    r = read(db);
    // Both bytes bad: the EMASTER bitset has TIME, so the bars are read as intraday, and it is said.
    expect(r.perSymbol.get("TICK")).toBe(6);
    expect(new Set(Array.from(r.columns.time.subarray(0, 6)))).toHaveProperty("size", 6);
    expect(r.errors.some((e) => e.includes("F1 (TICK) has an invalid period byte"))).toBe(true);
  });

  test(".MWD files without an XMASTER are named as not imported", () => {
    const db = writeMetastockDb(Array.from({ length: 258 }, (_, i) => sec(`S${i}`, 1)));
    db.delete("XMASTER");
    const r = read(db);
    expect(r.columns.length).toBe(255);
    expect(r.errors).toEqual([
      "F256.MWD: data file not listed in MASTER/EMASTER/XMASTER (no XMASTER in the folder); not imported",
      "F257.MWD: data file not listed in MASTER/EMASTER/XMASTER (no XMASTER in the folder); not imported",
      "F258.MWD: data file not listed in MASTER/EMASTER/XMASTER (no XMASTER in the folder); not imported",
    ]);
  });

  test("data files with swapped extensions (F2.DAT ↔ f2.mwd) are found", () => {
    const db = writeMetastockDb([sec("A", 3), sec("B", 4)]);
    db.set("f2.mwd", db.get("F2.DAT")!);
    db.delete("F2.DAT");
    const r = read(db);
    expect(r.columns.length).toBe(7);
    expect(r.warnings).toContain("F2.DAT: found as f2.mwd (extension swapped)");
    expect(r.errors).toEqual([]);
  });
});

describe("data files read only as far as promised", () => {
  test("a 3 GB file whose header says 1 record: one record is read", () => {
    const head = Uint8Array.of(0, 0, 2, 0); // last_rec = 2 → 1 record
    expect(dataBytesWanted(head, 3e9, 28)).toBe(56);
    // A wrapped count (65,540 records) is still believed from the size.
    const wrapped = Uint8Array.of(0, 0, 65_541 & 0xffff & 0xff, (65_541 & 0xffff) >> 8);
    expect(dataBytesWanted(wrapped, 65_541 * 28, 28)).toBe(65_541 * 28);
  });
});
