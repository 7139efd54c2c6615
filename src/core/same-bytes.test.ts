import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sameBytes } from "./same-bytes.ts";

const dir = mkdtempSync(join(tmpdir(), "ttapi-samebytes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: Uint8Array | string) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

test("equal files, across chunk boundaries; a byte changed anywhere differs", () => {
  const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
  const a = file("a", big);
  const b = file("b", big);
  expect(sameBytes(a, b)).toBe(true);
  for (const at of [0, 1024 * 1024 - 1, 1024 * 1024, big.length - 1]) {
    const changed = big.slice();
    changed[at] = (changed[at]! + 1) & 0xff;
    expect(sameBytes(a, file(`c${at}`, changed))).toBe(false);
  }
});

test("different sizes, empty files and unreadable paths", () => {
  expect(sameBytes(file("e1", ""), file("e2", ""))).toBe(true);
  expect(sameBytes(file("s1", "abc"), file("s2", "abcd"))).toBe(false);
  expect(sameBytes(file("s3", "abc"), join(dir, "missing"))).toBe(false);
  expect(sameBytes(dir, dir)).toBe(false); // a folder is not readable as a file
});
