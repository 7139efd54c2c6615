/**
 * Reading what users hand us, safely: input files must be regular files (not `/dev/zero`, a FIFO
 * or a folder) and lists have a size cap, so a wrong path gives one clear error instead of a read
 * that never ends; and input quoted in a message is escaped, so raw escape sequences or binary
 * bytes from a file or an argument never reach the terminal (`--symbols $'\e]0;pwned\a'`).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { fsError, ioError, isTTError } from "./errors.ts";

/** Symbol lists and similar one-item-per-line files: far above any real list (~500k symbols). */
export const LIST_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** What a non-regular file is, for the one line that refuses it ("a FIFO (named pipe)"). */
export function describeNonRegular(st: Stats): string {
  if (st.isDirectory()) return "a folder";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/** Throw E_IO unless `st` is a regular file. */
export function requireRegularFile(st: Stats, path: string, what: string): void {
  if (!st.isFile())
    throw ioError(`${what} ${path} is ${describeNonRegular(st)}, not a regular file`, {
      hint: `pass a regular file as ${what}`,
    });
}

export interface InputReadOptions {
  /** Refuse anything larger (E_IO): a file that big is a wrong path, not input. */
  maxBytes?: number;
  /** The fix named when the file is too big. */
  tooBigHint?: string;
}

/**
 * A regular file's bytes, at most `maxBytes` (E_IO beyond). It is opened non-blocking (opening a
 * FIFO for reading blocks until a writer comes; a non-blocking open returns at once) and its type
 * is checked on the open descriptor; the read stops at the cap even if the file grows, so a huge
 * sparse file costs one fstat, not gigabytes of zeros.
 */
export function readInputBytes(path: string, what: string, opts: InputReadOptions = {}): Uint8Array {
  const maxBytes = opts.maxBytes ?? LIST_FILE_MAX_BYTES;
  const hint = opts.tooBigHint ?? `check the path: ${what} holds one entry per line`;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fsError(e, path, `read ${what}`);
  }
  try {
    const st = fstatSync(fd);
    requireRegularFile(st, path, what);
    if (st.size > maxBytes) throw tooBig(path, what, maxBytes, hint);
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > maxBytes) throw tooBig(path, what, maxBytes, hint);
      if (n === buf.length) break;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, n);
  } catch (e) {
    if (isTTError(e)) throw e;
    throw fsError(e, path, `read ${what}`);
  } finally {
    closeSync(fd);
  }
}

/** A regular file's text (UTF-8), with the checks and cap of `readInputBytes`. */
export function readInputText(path: string, what: string, maxBytes = LIST_FILE_MAX_BYTES): string {
  const bytes = readInputBytes(path, what, { maxBytes });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
}

function tooBig(path: string, what: string, maxBytes: number, hint: string) {
  const size =
    maxBytes >= 1024 * 1024
      ? `${Math.round(maxBytes / 1024 / 1024)} MiB`
      : maxBytes >= 1024
        ? `${Math.round(maxBytes / 1024)} KiB`
        : `${maxBytes} bytes`;
  return ioError(`${what} ${path} is larger than ${size}`, { hint });
}

/**
 * Control characters (C0, DEL, C1), line breaks and bidirectional overrides as visible escapes:
 * for any text that repeats input in a message. Printable text, including non-ASCII, is kept.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Input for a message: escaped, in double quotes, cut to `max` characters (binary junk is long). */
export function quoteInput(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `"${escapeControl(cut)}"${text.length > max ? ` (${text.length} characters)` : ""}`;
}
