/**
 * The one-file statistics state: a round trip gives back states that continue exactly like the
 * originals, and a damaged, torn or truncated file is refused (its symbols are then recomputed).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import {
  appendBars,
  computeWithState,
  emptyTables,
  optionsKey,
  type PriceSeries,
  SuiteContext,
  tailLength,
} from "../../stats/index.ts";
import { decodeStates, encodeStates, loadStates, type StateShape, saveStates } from "./state-store.ts";
import { syntheticSeries } from "./synthetic.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());
const dir = temp.make("ttapi-state-store-");

const cut = (s: PriceSeries, from: number, to: number): PriceSeries => ({
  date: s.date.slice(from, to),
  open: s.open.slice(from, to),
  high: s.high.slice(from, to),
  low: s.low.slice(from, to),
  close: s.close.slice(from, to),
});

describe("statistics state file", () => {
  const ctx = new SuiteContext({
    windows: [5, 21],
    confidence: 0.95,
    annualization: 252,
    coneLookback: 40,
    estimators: ["close_to_close", "parkinson"],
  });
  const shape: StateShape = { optionsKey: optionsKey(ctx), windows: 2, tail: tailLength(ctx), lookback: 40 };
  const series = [syntheticSeries({ rows: 300, seed: 1 }), syntheticSeries({ rows: 12, seed: 2 })];
  const make = () =>
    series.map((s, i) => ({
      state: computeWithState(`S${i}`, cut(s, 0, s.date.length - 3), ctx, emptyTables()),
      files: [{ name: "part-0.parquet", size: 10 + i, mtimeMs: 1.5 }],
    }));

  test("a decoded state continues exactly like the original", async () => {
    const file = join(dir, "a", "daily.state");
    const bytes = await saveStates(file, shape, make());
    const { shape: got, entries } = await loadStates(file);
    expect(got).toEqual(shape);
    expect(bytes).toBe(readFileSync(file).length);
    expect([...entries.values()].map((e) => e.files)).toEqual(make().map((e) => e.files));
    const originals = make();
    for (const [i, s] of series.entries()) {
      const a = emptyTables();
      const b = emptyTables();
      const fresh = cut(s, s.date.length - 3, s.date.length);
      expect(appendBars(originals[i]!.state, fresh, ctx, a).ok).toBe(true);
      expect(appendBars(entries.get(`S${i}`)!.state, fresh, ctx, b).ok).toBe(true);
      expect(b).toEqual(a);
    }
    // No temp file left beside it.
    expect(readdirSync(join(dir, "a"))).toEqual(["daily.state"]);
  });

  test("a flipped byte, a truncated or a zero-filled file is refused with the reason", async () => {
    const good = encodeStates(shape, make());
    const flipped = good.slice();
    flipped[flipped.length - 100]! ^= 1;
    expect(() => decodeStates(flipped.buffer)).toThrow("fails its checksum");
    expect(() => decodeStates(good.slice(0, good.length - 8).buffer)).toThrow("fails its checksum");
    expect(() => decodeStates(new Uint8Array(good.length).buffer)).toThrow("not a ttapi statistics state");
    const file = join(dir, "b", "daily.state");
    await saveStates(file, shape, make());
    const torn = readFileSync(file);
    torn.fill(0, 4096);
    writeFileSync(file, torn);
    const r = await loadStates(file);
    expect(r.entries.size).toBe(0);
    expect(r.problem).toBe("state unreadable (statistics state fails its checksum (damaged or torn))");
  });

  test("temp files of a writer that died are reclaimed by the next save", async () => {
    const file = join(dir, "c", "daily.state");
    await saveStates(file, shape, make());
    // pid 2^22 + 1 exceeds Linux's pid_max: no such process.
    writeFileSync(join(dir, "c", ".daily.state.4194305.1-abc.tmp"), "partial");
    await saveStates(file, shape, make());
    expect(readdirSync(join(dir, "c"))).toEqual(["daily.state"]);
  });
});
