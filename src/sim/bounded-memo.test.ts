import { expect, test } from "bun:test";
import { BoundedMemo } from "./bounded-memo.ts";

test("BoundedMemo keeps the most recently added keys up to its limit", () => {
  const m = new BoundedMemo<string, number>(3);
  for (const [k, v] of [
    ["a", 1],
    ["b", 2],
    ["c", 3],
  ] as const)
    m.set(k, v);
  m.set("a", 10); // a new value, not a new key: nothing is evicted
  expect(m.size).toBe(3);
  expect(m.get("a")).toBe(10);
  m.set("d", 4); // evicts the oldest key, "a"
  expect(["a", "b", "c", "d"].map((k) => m.get(k))).toEqual([undefined, 2, 3, 4]);
  for (let i = 0; i < 1000; i++) m.set(`k${i}`, i);
  expect(m.size).toBe(3);
  expect([m.get("k997"), m.get("k998"), m.get("k999"), m.get("k996")]).toEqual([997, 998, 999, undefined]);
});
