/**
 * Statistics workers: each takes one symbol range at a time and asks for the next as soon as it
 * answers, so a range of long histories never leaves the other core idle. Workers read their own
 * Parquet files, so I/O (decompression) and estimation overlap across workers.
 */
import { cancelledError, internalError, TTError } from "../../core/errors.ts";
import { workerPath } from "../../core/workers.ts";
import type { StatsTaskRequest, StatsTaskResponse } from "./task.ts";

type Reply =
  | { ok: true; res: StatsTaskResponse }
  | { ok: false; id: number; error: { code?: string; message: string; hint?: string } };

/** Run every request on `size` workers; resolves with responses in completion order. */
export function runOnWorkers(
  requests: StatsTaskRequest[],
  size: number,
  signal: AbortSignal | undefined,
  onResult: (res: StatsTaskResponse) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      for (const w of workers) w.terminate();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(cancelledError("statistics cancelled", { cause: signal?.reason }));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (requests.length === 0) return finish();

    const feed = (w: Worker) => {
      if (next < requests.length) w.postMessage(requests[next++]!);
    };
    const n = Math.max(1, Math.min(size, requests.length));
    for (let i = 0; i < n; i++) {
      const w = new Worker(workerPath("stats-compute"));
      workers.push(w);
      w.onmessage = (ev: MessageEvent<Reply>) => {
        const m = ev.data;
        if (!m.ok) {
          const code = m.error.code;
          return finish(
            code && /^E_[A-Z_]+$/.test(code)
              ? new TTError(
                  code as TTError["code"],
                  m.error.message,
                  m.error.hint ? { hint: m.error.hint } : {},
                )
              : internalError(`statistics worker failed: ${m.error.message}`),
          );
        }
        try {
          onResult(m.res);
        } catch (e) {
          return finish(e);
        }
        done++;
        if (done === requests.length) finish();
        else feed(w);
      };
      w.onerror = (ev: ErrorEvent) => finish(internalError(`statistics worker crashed: ${ev.message}`));
      feed(w);
    }
  });
}
