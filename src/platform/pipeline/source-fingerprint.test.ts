import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashBytes } from "../cache/fingerprint.ts";
import { sourcesSignature } from "./source-fingerprint.ts";

const root = mkdtempSync(join(tmpdir(), "ttapi-srcsig-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("sourcesSignature", () => {
  test("each file's hash is of its own bytes, whatever was read before it", () => {
    const src = join(root, "a");
    mkdirSync(join(src, "sub"), { recursive: true });
    // A long file first, then shorter ones: one read buffer serves them all.
    writeFileSync(join(src, "1-long.txt"), "x".repeat(100_000));
    writeFileSync(join(src, "2-short.txt"), "AAPL,20260804,1,2,0.5,1.5,100\n");
    writeFileSync(join(src, "sub", "3-empty.txt"), "");
    const sig = sourcesSignature([src]);
    expect(sig.map((e) => e.path)).toEqual(["1-long.txt", "2-short.txt", join("sub", "3-empty.txt")]);
    for (const e of sig) {
      expect(e.size).toBe(readFileSync(join(src, e.path)).length);
      expect(e.hash).toBe(hashBytes(readFileSync(join(src, e.path))));
    }
  });

  test("same content elsewhere (a copied data dir) gives the same signature; any byte changed does not", () => {
    const a = join(root, "a");
    const b = join(root, "b");
    cpSync(a, b, { recursive: true });
    expect(sourcesSignature([b])).toEqual(sourcesSignature([a]));
    const f = join(b, "2-short.txt");
    const before = sourcesSignature([b]);
    writeFileSync(f, readFileSync(f, "utf8").replace("100", "101")); // same size
    expect(sourcesSignature([b])).not.toEqual(before);
  });

  test("the hash cache skips unchanged files and re-hashes a changed one", () => {
    const src = join(root, "c");
    mkdirSync(src, { recursive: true });
    const f = join(src, "x.txt");
    writeFileSync(f, "one\n");
    const cache = join(root, "hashes.json");
    const first = sourcesSignature([src], cache);
    expect(JSON.parse(readFileSync(cache, "utf8"))).toEqual({
      [`0|x.txt|4|${Math.floor(Bun.file(f).lastModified)}`]: first[0]?.hash,
    });
    writeFileSync(f, "two\n");
    utimesSync(f, new Date(), new Date(Date.now() + 5_000));
    const second = sourcesSignature([src], cache);
    expect(second[0]?.hash).toBe(hashBytes("two\n"));
  });

  test("a file over 8 MiB is hashed by head, middle and tail samples", () => {
    const src = join(root, "big");
    mkdirSync(src, { recursive: true });
    const size = 9 * 1024 * 1024 + 5;
    const bytes = new Uint8Array(size).map((_, i) => (i * 7 + (i >> 12)) & 0xff);
    writeFileSync(join(src, "MASTER.DAT"), bytes);
    const mib = 1024 * 1024;
    const mid = Math.floor(size / 2) - mib / 2;
    const sample = Buffer.concat([
      bytes.subarray(0, mib),
      bytes.subarray(mid, mid + mib),
      bytes.subarray(size - mib),
    ]);
    expect(sourcesSignature([src])).toEqual([
      { source: 0, path: "MASTER.DAT", size, hash: `s${hashBytes(sample)}` },
    ]);
  });

  test("a missing source is named, not skipped", () => {
    expect(sourcesSignature([join(root, "nope")])).toEqual([
      { source: 0, path: "", size: -1, hash: "missing" },
    ]);
  });
});
