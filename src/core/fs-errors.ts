/**
 * File-system failures as one clear E_IO line: the path, what went wrong in plain words, and the
 * fix — instead of a bare "ENOTDIR: not a directory, mkdir" or a Parquet library's "Invalid thrift"
 * when the disk filled up under it. Node errors carry an errno code; polars (Rust) reports the OS
 * error only in its message ("No space left on device (os error 28)"), so both are recognised.
 * `fsError` (in errors.ts) builds the E_IO error from these.
 */

import { statfsSync } from "node:fs";

interface Known {
  what: string;
  fix: (path: string) => string;
}

const KNOWN: Record<string, Known> = {
  ENOSPC: {
    what: "no space left on device",
    fix: (p) => `free disk space on the filesystem of ${p} and rerun (files written before are intact)`,
  },
  EDQUOT: {
    what: "disk quota exceeded",
    fix: (p) => `free space within your quota for ${p}, or choose another --data-dir`,
  },
  EROFS: {
    what: "read-only file system",
    fix: () => "choose a writable --data-dir (or TTAPI_DATA_DIR), or remount the filesystem read-write",
  },
  ENOTDIR: {
    what: "a part of the path is a file, not a folder",
    fix: (p) => `remove or rename the file in the way of ${p}, or choose another --data-dir`,
  },
  EISDIR: {
    what: "is a folder, not a file",
    fix: (p) => `pass a file, not the folder ${p}`,
  },
  EACCES: {
    what: "permission denied",
    fix: (p) => `fix the permissions of ${p} (or its parent folder), or choose another --data-dir`,
  },
  EPERM: {
    what: "operation not permitted",
    fix: (p) => `fix the permissions of ${p}, or choose another --data-dir`,
  },
  ENOENT: { what: "no such file or folder", fix: (p) => `check the path ${p}` },
  EMFILE: { what: "too many open files", fix: () => "raise the open-file limit (ulimit -n) and rerun" },
  ENFILE: { what: "too many open files in the system", fix: () => "close other programs and rerun" },
  ENAMETOOLONG: { what: "path too long", fix: () => "use a shorter --data-dir" },
  ELOOP: { what: "too many symbolic links", fix: (p) => `check the symbolic links in ${p}` },
  EIO: { what: "input/output error", fix: (p) => `check the disk holding ${p}` },
};

const MESSAGE_CODES: [RegExp, string][] = [
  [/no space left on device|os error 28\b|ENOSPC/i, "ENOSPC"],
  [/disk quota exceeded|os error 122\b|EDQUOT/i, "EDQUOT"],
  [/read-only file system|os error 30\b|EROFS/i, "EROFS"],
  [/not a directory|os error 20\b|ENOTDIR/i, "ENOTDIR"],
  [/permission denied|os error 13\b|EACCES/i, "EACCES"],
  [/too many open files|os error 24\b|EMFILE/i, "EMFILE"],
];

/** The errno-style code of a file-system failure (from `code` or the message), or null. */
export function fsErrorCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && KNOWN[code]) return code;
  const msg = e instanceof Error ? e.message : typeof e === "string" ? e : "";
  for (const [re, c] of MESSAGE_CODES) if (re.test(msg)) return c;
  return null;
}

/** How to fix a file-system failure at `path`. */
export function fsErrorHint(e: unknown, path: string): string {
  const code = fsErrorCode(e);
  return code ? KNOWN[code]!.fix(path) : "check free disk space and permissions";
}

/** The failure in plain words ("no space left on device"), or null for an unknown one. */
export function fsErrorWhat(e: unknown): string | null {
  const code = fsErrorCode(e);
  return code ? KNOWN[code]!.what : null;
}

/** Whether this failure is the disk being full (the one failure that may masquerade as corruption). */
export function isDiskFull(e: unknown): boolean {
  const c = fsErrorCode(e);
  return c === "ENOSPC" || c === "EDQUOT";
}

/**
 * Whether the filesystem holding `path` is (nearly) full: a Parquet writer that ran out of space
 * may leave a truncated file whose later read fails with "Invalid thrift" / "File out of
 * specification"; this tells the real cause.
 */
export function diskFullAt(path: string, reserveBytes = 16 * 1024 * 1024): boolean {
  try {
    const st = statfsSync(path);
    return Number(st.bavail) * Number(st.bsize) < reserveBytes;
  } catch {
    return false;
  }
}

/** A Parquet error that a truncated write (full disk) produces. */
export function looksLikeTruncatedParquet(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /invalid thrift|out of specification|transport error|unexpected end of file|EOF while parsing|failed to fill whole buffer/i.test(
    msg,
  );
}
