/**
 * Inputs must be regular files: opening a FIFO named `F1.DAT` blocks forever and a device never
 * ends. These name what a path is so it can be refused with one clear line.
 */
import { type Stats, statSync } from "node:fs";

/** What a non-regular file is, for the one line that refuses it. */
export function describeNonRegular(st: Stats): string {
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isDirectory()) return "a folder";
  return "not a regular file";
}

/** Why `path` must not be opened (reading a FIFO blocks forever), or null for a regular file. */
export function nonRegular(path: string): string | null {
  try {
    const st = statSync(path);
    return st.isFile() ? null : `${describeNonRegular(st)}, not a regular file; refusing to read it`;
  } catch {
    return null; // the read reports it
  }
}
