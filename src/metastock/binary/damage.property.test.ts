/**
 * Property (issue 16): damage a database at random — truncate, zero ranges, flip bytes, append
 * bytes, in MASTER / EMASTER / XMASTER / F#.DAT / F#.MWD — and compare with what the intact copy
 * yields:
 *   1. recovery: every row of the intact copy whose own bytes (data header count, its record)
 *      are untouched, and whose security one index still lists intact (header and record), is
 *      read with the same values — unless an index that lists it holds garbage (a flipped byte
 *      can re-point an entry; no reader can tell), which only rule 2 covers;
 *   2. accounting: a security that yields fewer rows than in the intact copy is named (its data
 *      file or symbol) in the errors or warnings — nothing disappears without a word.
 * Databases: the three real ones (atem's test data, fixtures/metastock) and a written one with
 * XMASTER entries (F256+.MWD). `METASTOCK_DAMAGE_REPORT=1` prints the tally for the closing note.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { daysFromCivil } from "../../core/bars.ts";
import { DATABASES, extractDatabases } from "../testing/fixtures.ts";
import { type DatabaseRead, readDatabase } from "./database.ts";
import { dataFileNumber } from "./directory.ts";
import { fieldOffsets } from "./fields.ts";
import { EMASTER_RECORD, MASTER_RECORD, XMASTER_RECORD } from "./master.ts";
import { type WriterSecurity, writeMetastockDb } from "./writer.ts";

type Db = Map<string, Uint8Array>;

const root = extractDatabases();
afterAll(() => rmSync(root, { recursive: true, force: true }));

function realDb(name: string): Db {
  const dir = join(root, name);
  return new Map(readdirSync(dir).map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
}

function writtenDb(): Db {
  const d0 = daysFromCivil(2019, 5, 1);
  const secs: WriterSecurity[] = Array.from({ length: 258 }, (_, k) => {
    const n = 1 + (k % 6);
    return {
      symbol: `S${k}`,
      period: "D",
      rows: {
        length: n,
        date: Int32Array.from({ length: n }, (_, i) => d0 + i),
        open: Float64Array.from({ length: n }, (_, i) => k * 10 + i + 1),
        high: Float64Array.from({ length: n }, (_, i) => k * 10 + i + 2),
        low: Float64Array.from({ length: n }, (_, i) => k * 10 + i + 0.5),
        close: Float64Array.from({ length: n }, (_, i) => k * 10 + i + 1.5),
        volume: Float64Array.from({ length: n }, (_, i) => 100 + i),
      },
    };
  });
  return writeMetastockDb(secs);
}

const BASES: [string, Db][] = [
  ...DATABASES.map((d) => [d, realDb(d)] as [string, Db]),
  ["written", writtenDb()],
];

const INDEX_RECORD: Record<string, number> = {
  MASTER: MASTER_RECORD,
  EMASTER: EMASTER_RECORD,
  XMASTER: XMASTER_RECORD,
};

/** One security of the intact read: its rows (as text, for exact comparison) and where it lives. */
interface Intact {
  symbol: string;
  fileNumber: number;
  dataFile: string;
  recordLength: number;
  rows: string[];
  /** Index file → byte offset of this security's record in it. */
  entries: Map<string, number>;
}

function rowsBySymbol(r: DatabaseRead): Map<string, string[]> {
  const c = r.columns;
  const out = new Map<string, string[]>();
  for (let i = 0; i < c.length; i++) {
    const s = c.symbols[c.symbolIndex[i]!]!;
    const row = [
      c.date[i],
      c.time[i],
      c.open[i],
      c.high[i],
      c.low[i],
      c.close[i],
      c.volume[i],
      c.openint[i],
    ].join(",");
    const list = out.get(s);
    if (list) list.push(row);
    else out.set(s, [row]);
  }
  return out;
}

function indexEntries(db: Db, fileNumber: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, b] of db) {
    const kind = name.toUpperCase();
    const rl = INDEX_RECORD[kind];
    if (!rl) continue;
    for (let o = rl; o + rl <= b.length; o += rl) {
      const fn = kind === "MASTER" ? b[o]! : kind === "EMASTER" ? b[o + 2]! : b[o + 65]! | (b[o + 66]! << 8);
      if (fn === fileNumber) {
        out.set(name, o);
        break;
      }
    }
  }
  return out;
}

function intactView(db: Db): { read: DatabaseRead; secs: Intact[] } {
  const read = readDatabase([...db.keys()], (n) => db.get(n));
  const rows = rowsBySymbol(read);
  const secs = read.securities
    .filter((s) => [...db.keys()].some((n) => n.toUpperCase() === s.dataFile.toUpperCase()))
    .map((s) => ({
      symbol: s.symbol,
      fileNumber: s.fileNumber,
      dataFile: [...db.keys()].find((n) => n.toUpperCase() === s.dataFile.toUpperCase())!,
      recordLength: fieldOffsets(s.fields).recordLength,
      rows: rows.get(s.symbol) ?? [],
      entries: indexEntries(db, s.fileNumber),
    }));
  return { read, secs };
}

const INTACT = new Map(BASES.map(([name, db]) => [name, intactView(db)]));

type Op =
  | { kind: "truncate"; at: number }
  | { kind: "zero"; at: number; len: number }
  | { kind: "flip"; at: number; mask: number }
  | { kind: "append"; bytes: number[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(1 << 16) }),
  fc.record({
    kind: fc.constant("zero" as const),
    at: fc.nat(1 << 16),
    len: fc.integer({ min: 1, max: 400 }),
  }),
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat(1 << 16),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant("append" as const),
    bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 300 }),
  }),
);

/**
 * Apply one op. In an index file a zero range covers whole records (a zeroed record is invalid
 * and skipped, which recovery from another index must survive).
 */
function apply(b: Uint8Array, op: Op, indexRecord: number | undefined): Uint8Array {
  if (op.kind === "truncate") return b.slice(0, op.at % (b.length + 1));
  if (op.kind === "append") {
    const out = new Uint8Array(b.length + op.bytes.length);
    out.set(b);
    out.set(op.bytes, b.length);
    return out;
  }
  if (b.length === 0) return b;
  const out = b.slice();
  if (op.kind === "flip") {
    const at = op.at % b.length;
    out[at] = out[at]! ^ op.mask;
    return out;
  }
  let from = op.at % b.length;
  let to = Math.min(b.length, from + op.len);
  if (indexRecord) {
    from -= from % indexRecord;
    to = Math.min(b.length, Math.ceil(to / indexRecord) * indexRecord);
  }
  out.fill(0, from, to);
  return out;
}

/**
 * An index holds garbage when a record it still holds whole was changed into something other
 * than all zeros (a flip, or a truncation followed by an append): such an entry may read as a
 * valid one pointing elsewhere or under another symbol, which no reader can tell.
 */
function holdsGarbage(name: string, orig: Uint8Array, now: Uint8Array): boolean {
  const rl = INDEX_RECORD[name.toUpperCase()];
  if (!rl) return false;
  const whole = Math.floor(Math.min(orig.length, now.length) / rl) * rl;
  for (let o = 0; o < whole; o += rl) {
    let diff = false;
    let zero = true;
    for (let i = o; i < o + rl; i++) {
      if (now[i] !== orig[i]) diff = true;
      if (now[i] !== 0) zero = false;
    }
    if (diff && !zero) return true;
  }
  return false;
}

function changed(orig: Uint8Array, now: Uint8Array | undefined, from: number, to: number): boolean {
  if (!now) return true;
  if (now.length < to) return true;
  for (let i = from; i < to; i++) if (orig[i] !== now[i]) return true;
  return false;
}

const tally = {
  variants: 0,
  intactRows: 0,
  /** Rows the damaged copies yielded (damaged records may still read, with other values). */
  readRows: 0,
  recoverableRows: 0,
  recoveredRows: 0,
  lostNamed: 0,
};

describe("damaged databases", () => {
  test("undamaged rows are recovered; every security that lost rows is named", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BASES.map(([n]) => n)),
        fc.array(fc.tuple(fc.nat(1000), opArb), { minLength: 1, maxLength: 4 }),
        (base, edits) => {
          const orig = BASES.find(([n]) => n === base)![1];
          const { secs } = INTACT.get(base)!;
          const names = [...orig.keys()].sort();
          const db: Db = new Map([...orig].map(([n, b]) => [n, b.slice()]));
          for (const [pick, op] of edits) {
            const name = names[pick % names.length]!;
            db.set(name, apply(db.get(name)!, op, INDEX_RECORD[name.toUpperCase()]));
          }
          const garbageIn = new Set(names.filter((n) => holdsGarbage(n, orig.get(n)!, db.get(n)!)));
          const got = readDatabase(names, (n) => db.get(n));
          const rows = rowsBySymbol(got);
          const messages = [...got.errors, ...got.warnings].map((m) => m.toUpperCase());
          tally.variants++;
          tally.readRows += got.columns.length;
          for (const s of secs) {
            const listedByGarbage = [...s.entries.keys()].some((n) => garbageIn.has(n));
            const o = orig.get(s.dataFile)!;
            const d = db.get(s.dataFile);
            const headerOk = !changed(o, d, 2, 4);
            // One index lists it intact: its header record and its entry are untouched.
            const listed = [...s.entries].some(([n, at]) => {
              const rl = INDEX_RECORD[n.toUpperCase()]!;
              return (
                !changed(orig.get(n)!, db.get(n), 0, rl) && !changed(orig.get(n)!, db.get(n), at, at + rl)
              );
            });
            const have = new Set(rows.get(s.symbol) ?? []);
            tally.intactRows += s.rows.length;
            s.rows.forEach((row, i) => {
              const at = (i + 1) * s.recordLength;
              const recoverable =
                !listedByGarbage && listed && headerOk && !changed(o, d, at, at + s.recordLength);
              if (!recoverable) return;
              tally.recoverableRows++;
              expect(have.has(row)).toBe(true);
              tally.recoveredRows++;
            });
            // A damaged record may still read (with other values): only fewer rows is a loss.
            const lost = s.rows.length - (rows.get(s.symbol)?.length ?? 0);
            if (lost > 0 && !listedByGarbage) {
              const n = dataFileNumber(s.dataFile)!;
              const named = messages.some(
                (m) =>
                  m.includes(s.dataFile.toUpperCase()) ||
                  m.includes(`F${n}.`) ||
                  m.includes(`F${n} `) ||
                  (s.symbol !== "" && m.includes(s.symbol.toUpperCase())),
              );
              if (!named) {
                throw new Error(
                  `${base}: ${s.symbol} (${s.dataFile}) lost ${lost} rows without a word; messages: ${JSON.stringify(got.errors.concat(got.warnings))}`,
                );
              }
              tally.lostNamed++;
            }
          }
        },
      ),
      { numRuns: Number(process.env.METASTOCK_DAMAGE_RUNS ?? 400) },
    );
    if (process.env.METASTOCK_DAMAGE_REPORT) console.log("damage property tally", tally);
    expect(tally.recoveredRows).toBe(tally.recoverableRows);
    expect(tally.recoverableRows).toBeGreaterThan(0);
  });
});
