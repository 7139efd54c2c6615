/** Line counting for error reports of split files (only on the error path, so a plain scan). */
import { closeSync, openSync, readSync } from "node:fs";

/** Number of newlines in the first `offset` bytes of a file. */
export async function countLinesBefore(path: string, offset: number): Promise<number> {
  const fd = openSync(path, "r");
  const buf = new Uint8Array(1 << 20);
  let n = 0;
  try {
    let pos = 0;
    while (pos < offset) {
      const got = readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
      if (got <= 0) break;
      for (let i = 0; i < got; i++) if (buf[i] === 0x0a) n++;
      pos += got;
    }
  } finally {
    closeSync(fd);
  }
  return n;
}
