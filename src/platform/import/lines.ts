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

/**
 * A piece-relative line number → the file's line number. Split files know the lines before their
 * first piece; later pieces count the newlines before their start (only on this error path).
 */
export async function absoluteLine(
  p: { path: string; piece: number; start: number },
  line: number,
  split: ReadonlyMap<string, { linesBefore: number }>,
): Promise<number> {
  const s = split.get(p.path);
  if (!s) return line;
  if (p.piece === 0) return line + s.linesBefore;
  return line + (await countLinesBefore(p.path, p.start));
}
