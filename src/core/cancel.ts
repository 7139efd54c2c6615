/**
 * One cancellation signal for the whole process: SIGINT/SIGTERM abort it, and every long-running
 * piece of work receives it (or a child of it) and stops promptly. Library users pass their own.
 */
import { cancelledError } from "./errors.ts";

/** Throw E_CANCELLED if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what = "operation"): void {
  if (signal?.aborted) throw cancelledError(`${what} cancelled`, { cause: signal.reason });
}

/** A child signal that aborts when the parent does or when `abort()` is called on it. */
export function childController(parent?: AbortSignal): AbortController {
  const ctl = new AbortController();
  if (parent) {
    if (parent.aborted) ctl.abort(parent.reason);
    else parent.addEventListener("abort", () => ctl.abort(parent.reason), { once: true });
  }
  return ctl;
}

/** Sleep that wakes early (rejecting with E_CANCELLED) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelledError("sleep cancelled", { cause: signal.reason }));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelledError("sleep cancelled", { cause: signal?.reason }));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
