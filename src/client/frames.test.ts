import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { type ColumnSpec, frame, schemaOf } from "./frames.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

interface Row {
  f: number | null;
  i: number | null;
  s: string | null;
  b: boolean | null;
  d: string | null;
  t: number | null;
}

const SPEC: ColumnSpec<Row>[] = [
  { name: "f", kind: "f64", get: (r) => r.f },
  { name: "i", kind: "i64", get: (r) => r.i },
  { name: "s", kind: "str", get: (r) => r.s },
  { name: "b", kind: "bool", get: (r) => r.b },
  { name: "d", kind: "date", get: (r) => r.d },
  { name: "t", kind: "datetime", get: (r) => r.t },
];

const row = fc.record({
  f: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
  i: fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
  s: fc.option(fc.string()),
  b: fc.option(fc.boolean()),
  d: fc.option(
    fc
      .date({
        min: new Date("1970-01-01T00:00:00Z"),
        max: new Date("2100-12-31T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((x) => x.toISOString().slice(0, 10)),
  ),
  t: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 })),
});

describe("frame builder", () => {
  test("property: typed columns round-trip values and nulls, with the declared schema (also when empty)", () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        const df = frame(rows, SPEC);
        expect(df.schema).toEqual(schemaOf(SPEC));
        expect(df.height).toBe(rows.length);
        expect(df.getColumn("f").toArray() as unknown[]).toEqual(rows.map((r) => r.f));
        expect(
          df
            .getColumn("i")
            .toArray()
            .map((v: unknown) => (v === null ? null : Number(v))),
        ).toEqual(rows.map((r) => r.i));
        expect(df.getColumn("s").toArray() as unknown[]).toEqual(rows.map((r) => r.s));
        expect(df.getColumn("b").toArray() as unknown[]).toEqual(rows.map((r) => r.b));
        const days = df.getColumn("d").toArray() as unknown[] as (Date | null)[];
        expect(days.map((x) => (x === null ? null : x.toISOString().slice(0, 10)))).toEqual(
          rows.map((r) => r.d),
        );
        const times = df.getColumn("t").toArray() as unknown[] as (Date | null)[];
        expect(times.map((x) => (x === null ? null : x.getTime()))).toEqual(rows.map((r) => r.t));
      }),
      { numRuns: 60 },
    );
  });
});
