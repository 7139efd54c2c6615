import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { BoundedBatchQueue, LatestValueStore } from "./buffers.ts";
import { byteLength, chunkSubscription, type SubscriptionItem } from "./chunking.ts";
import type { CompactBatch } from "./codec.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

describe("chunkSubscription", () => {
  const item = fc.record(
    {
      type: fc.constantFrom("Quote", "Candle", "Greeks"),
      symbol: fc.string({ minLength: 1, maxLength: 30 }),
      fromTime: fc.integer({ min: 0, max: 2e12 }),
    },
    { requiredKeys: ["type", "symbol"] },
  );

  test("every message fits the budget, items keep their order, reset only on the first", () => {
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 300 }),
        fc.array(item, { maxLength: 50 }),
        fc.integer({ min: 300, max: 5000 }),
        fc.boolean(),
        (add, remove, budget, reset) => {
          const msgs = chunkSubscription(3, { reset, add, remove }, budget, 100);
          for (const m of msgs) {
            expect(byteLength(JSON.stringify(m))).toBeLessThanOrEqual(budget);
            expect((m.add?.length ?? 0) + (m.remove?.length ?? 0)).toBeLessThanOrEqual(100);
            expect(m.channel).toBe(3);
          }
          expect(msgs.flatMap((m) => m.add ?? [])).toEqual(add);
          expect(msgs.flatMap((m) => m.remove ?? [])).toEqual(remove);
          expect(msgs.filter((m) => m.reset).length).toBe(reset ? 1 : 0);
          if (reset) expect(msgs[0]!.reset).toBe(true);
          for (const m of msgs) {
            if (m.add) expect(m.add.length).toBeGreaterThan(0);
            if (m.remove) expect(m.remove.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test("25k symbols at 8 KiB: about a hundred messages, none above the budget", () => {
    const add: SubscriptionItem[] = Array.from({ length: 25_000 }, (_, i) => ({
      type: "Quote",
      symbol: `.SPY2608${i}C500`,
    }));
    const msgs = chunkSubscription(1, { reset: true, add }, 8192, 10_000);
    expect(msgs.length).toBeGreaterThan(50);
    expect(msgs.length).toBeLessThan(200);
    expect(Math.max(...msgs.map((m) => JSON.stringify(m).length))).toBeLessThanOrEqual(8192);
  });
});

function batch(type: string, rows: [string, number, number][]): CompactBatch {
  return { type, fields: ["eventSymbol", "eventFlags", "bidPrice"], values: rows.flat(), count: rows.length };
}

describe("BoundedBatchQueue", () => {
  test("drops the oldest batches past the cap, counts them, never drops a snapshot's end", async () => {
    const q = new BoundedBatchQueue(4);
    q.push(batch("Candle", [["A", 0x08, 1]])); // completes a snapshot: pinned
    q.push(
      batch("Quote", [
        ["B", 0, 1],
        ["C", 0, 1],
      ]),
    );
    q.push(
      batch("Quote", [
        ["D", 0, 1],
        ["E", 0, 1],
      ]),
    );
    expect(q.dropped).toBe(2);
    expect(q.size).toBe(3);
    const first = await q.next();
    expect(first!.type).toBe("Candle");
    const second = await q.next();
    expect(second!.values[0]).toBe("D");
    q.close();
    expect(await q.next()).toBeNull();
  });

  test("a waiting consumer is woken by push", async () => {
    const q = new BoundedBatchQueue(10);
    const p = q.next();
    q.push(batch("Quote", [["X", 0, 2]]));
    expect((await p)!.values[0]).toBe("X");
  });
});

describe("LatestValueStore", () => {
  test("keeps the latest event per (type, symbol) and counts conflated updates", () => {
    const s = new LatestValueStore();
    s.push(
      batch("Quote", [
        ["AAPL", 0, 1],
        ["MSFT", 0, 2],
        ["AAPL", 0, 3],
      ]),
    );
    expect(s.conflated).toBe(1);
    expect(s.get("Quote", "AAPL")!.bidPrice).toBe(3);
    s.push(batch("Quote", [["AAPL", 0, "NaN" as unknown as number]]));
    expect(s.get("Quote", "AAPL")!.bidPrice).toBeNull();
    const changed = s.takeChanged();
    expect(changed.map((e) => e.eventSymbol).sort()).toEqual(["AAPL", "MSFT"]);
    expect(s.takeChanged()).toEqual([]);
    expect(s.size).toBe(2);
  });
});
