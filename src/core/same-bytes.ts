/**
 * Whether two files hold the same bytes, read side by side in 1 MiB chunks through two buffers
 * kept for the process (no allocation per call: a caller compares hundreds of files in a row).
 * Files of different sizes differ without a read. A file that cannot be read is "not the same".
 */
import { closeSync, fstatSync, openSync } from "node:fs";
import { readFull } from "./read-full.ts";

const CHUNK = 1024 * 1024;
let buffers: [Buffer, Buffer] | null = null;

export function sameBytes(a: string, b: string): boolean {
  let fa = -1;
  let fb = -1;
  try {
    fa = openSync(a, "r");
    fb = openSync(b, "r");
    const size = fstatSync(fa).size;
    if (fstatSync(fb).size !== size) return false;
    buffers ??= [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    const [ba, bb] = buffers;
    for (let at = 0; at < size; ) {
      const want = Math.min(CHUNK, size - at);
      const na = readFull(fa, ba, want, at);
      const nb = readFull(fb, bb, want, at);
      if (na !== want || nb !== want) return false; // shrank while read
      if (ba.compare(bb, 0, want, 0, want) !== 0) return false;
      at += want;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fa >= 0) closeSync(fa);
    if (fb >= 0) closeSync(fb);
  }
}
