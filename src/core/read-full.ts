import { readSync } from "node:fs";

/**
 * Read up to `length` bytes at `position` into the start of `buf`, looping over short reads;
 * returns how many arrived (fewer only at the end of the file).
 */
export function readFull(fd: number, buf: Uint8Array, length: number, position: number): number {
  let n = 0;
  while (n < length) {
    const got = readSync(fd, buf, n, length - n, position + n);
    if (got === 0) break;
    n += got;
  }
  return n;
}
