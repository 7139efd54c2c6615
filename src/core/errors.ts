/**
 * The one error hierarchy of ttapi. Every error thrown from `src/` is a `TTError` with a stable
 * `code` (what scripts and tests match on), a one-line `message` that names the file/line or the
 * request, and an optional `hint` telling the user how to fix it. Messages pass through the
 * redaction layer before they are printed or logged, so a token that slipped into one never leaks.
 */
import { fsErrorHint, fsErrorWhat } from "./fs-errors.ts";

export const ERROR_CODES = {
  E_CONFIG: { exit: 78, label: "configuration error" },
  E_USAGE: { exit: 2, label: "usage error" },
  E_AUTH: { exit: 77, label: "authentication failed" },
  E_HTTP: { exit: 69, label: "HTTP error" },
  E_RATE_LIMIT: { exit: 75, label: "rate limited" },
  E_NETWORK: { exit: 69, label: "network error" },
  E_TIMEOUT: { exit: 75, label: "timed out" },
  E_PROTOCOL: { exit: 76, label: "protocol error" },
  E_PARSE: { exit: 65, label: "parse error" },
  E_IO: { exit: 74, label: "I/O error" },
  E_CANCELLED: { exit: 130, label: "cancelled" },
  E_DEGRADED: { exit: 3, label: "incomplete data" },
  E_CIRCUIT_OPEN: { exit: 69, label: "circuit open" },
  E_DATA: { exit: 65, label: "invalid data" },
  E_INTERNAL: { exit: 70, label: "internal error" },
} as const satisfies Record<string, { exit: number; label: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface TTErrorOptions {
  cause?: unknown;
  /** One short sentence telling the user what to do about it. */
  hint?: string;
  /** Structured context for the trace log (file, line, url, status…); redacted like everything else. */
  details?: Record<string, unknown>;
}

export class TTError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: TTErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TTError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** Whether this is an anticipated failure (bad input, bad credentials, network) rather than a bug. */
  get expected(): boolean {
    return this.code !== "E_INTERNAL";
  }
}

/** Convenience constructors keep call sites short and the code list the single source of truth. */
export const configError = (message: string, o?: TTErrorOptions) => new TTError("E_CONFIG", message, o);
export const usageError = (message: string, o?: TTErrorOptions) => new TTError("E_USAGE", message, o);
export const authError = (message: string, o?: TTErrorOptions) => new TTError("E_AUTH", message, o);
export const protocolError = (message: string, o?: TTErrorOptions) => new TTError("E_PROTOCOL", message, o);
export const parseError = (message: string, o?: TTErrorOptions) => new TTError("E_PARSE", message, o);
export const ioError = (message: string, o?: TTErrorOptions) => new TTError("E_IO", message, o);
export const dataError = (message: string, o?: TTErrorOptions) => new TTError("E_DATA", message, o);
export const internalError = (message: string, o?: TTErrorOptions) => new TTError("E_INTERNAL", message, o);
export const cancelledError = (message = "operation cancelled", o?: TTErrorOptions) =>
  new TTError("E_CANCELLED", message, o);

/**
 * E_IO for a file-system failure while doing `action` on `path` ("create the data folder",
 * "write"): `cannot <action> <path>: <plain reason>` plus the fix (see fs-errors.ts).
 */
export function fsError(e: unknown, path: string, action: string): TTError {
  const reason = fsErrorWhat(e) ?? (e instanceof Error ? e.message : String(e));
  return ioError(`cannot ${action} ${path}: ${reason}`, { cause: e, hint: fsErrorHint(e, path) });
}

export function isTTError(e: unknown): e is TTError {
  return e instanceof TTError;
}

/** Process exit code for any thrown value: a TTError maps by code, anything else is an internal error. */
export function exitCodeFor(e: unknown): number {
  if (isTTError(e)) return ERROR_CODES[e.code].exit;
  if (isAbortError(e)) return ERROR_CODES.E_CANCELLED.exit;
  return ERROR_CODES.E_INTERNAL.exit;
}

export function isAbortError(e: unknown): boolean {
  return (
    (e instanceof Error && (e.name === "AbortError" || e.name === "TimeoutError")) ||
    (isTTError(e) && e.code === "E_CANCELLED")
  );
}

/** Wrap anything thrown by a library into a TTError, keeping the original as `cause`. */
export function toTTError(e: unknown, fallback: ErrorCode = "E_INTERNAL", context?: string): TTError {
  if (isTTError(e)) return e;
  if (isAbortError(e)) return cancelledError(context ? `${context}: cancelled` : undefined, { cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  if (isNodeIoError(e) && (fallback === "E_INTERNAL" || fallback === "E_IO")) {
    // A raw "ENOTDIR: not a directory, mkdir '…'": name the path, the cause and the fix.
    const path = (e as { path?: unknown }).path;
    const syscall = (e as { syscall?: unknown }).syscall;
    if (typeof path === "string") {
      const err = fsError(e, path, typeof syscall === "string" ? (FS_ACTIONS[syscall] ?? syscall) : "use");
      return context ? new TTError("E_IO", `${context}: ${err.message}`, { cause: e, hint: err.hint }) : err;
    }
    return new TTError("E_IO", context ? `${context}: ${msg}` : msg, { cause: e, hint: fsErrorHint(e, "") });
  }
  return new TTError(fallback, context ? `${context}: ${msg}` : msg, { cause: e });
}

const FS_ACTIONS: Record<string, string> = {
  mkdir: "create the folder",
  open: "open",
  read: "read",
  write: "write",
  rename: "rename",
  unlink: "remove",
  rmdir: "remove",
  scandir: "list",
  stat: "read",
  link: "write",
};

function isNodeIoError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    /^E[A-Z]+$/.test(code) &&
    [
      "ENOENT",
      "EACCES",
      "EISDIR",
      "ENOTDIR",
      "EPERM",
      "ENOSPC",
      "EDQUOT",
      "EEXIST",
      "EMFILE",
      "ENFILE",
      "EROFS",
      "EIO",
    ].includes(code)
  );
}
