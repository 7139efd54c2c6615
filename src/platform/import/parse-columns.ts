/**
 * Parse inputs to typed columns with the worker pool, without writing anything: columns come
 * back from the workers as transferred ArrayBuffers (no copies, no per-row objects). Used by the
 * benchmark (parse-to-columns throughput) and by library users who want the bars in memory.
 */
import type { BarColumns } from "../../core/bars.ts";
import { throwIfAborted } from "../../core/cancel.ts";
import { cancelledError, internalError } from "../../core/errors.ts";
import { defaultWorkerCount } from "../../core/workers.ts";
import { expandInputs } from "./inputs.ts";
import { DEFAULT_PLAN, planTasks } from "./plan.ts";
import { ParsePool } from "./pool.ts";
import type { ImportError, WorkerResponse } from "./types.ts";

export interface ParseColumnsResult {
  rows: number;
  bytes: number;
  errorCount: number;
  errors: ImportError[];
  seconds: number;
}

/**
 * Parse every input; `onColumns` receives each task's columns as they arrive (consume or drop
 * them; holding all of them is what bounded-memory callers must avoid).
 */
export async function parseToColumns(opts: {
  inputs: readonly string[];
  workers?: number;
  signal?: AbortSignal;
  /**
   * Return true to hand the buffers back for reuse (the consumer is done with them): saves the
   * workers fresh allocations. Otherwise the consumer owns them.
   */
  onColumns?: (c: BarColumns) => boolean | undefined | void;
}): Promise<ParseColumnsResult> {
  const t0 = performance.now();
  throwIfAborted(opts.signal, "parse");
  const plan = planTasks(expandInputs(opts.inputs), DEFAULT_PLAN);
  const pool = new ParsePool(
    Math.max(1, Math.min(defaultWorkerCount(opts.workers ?? 0), plan.tasks.length || 1)),
  );
  const onAbort = () => pool.close();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  let rows = 0;
  let bytes = 0;
  let errorCount = plan.errors.length;
  const errors: ImportError[] = [...plan.errors];
  try {
    await Promise.all(
      plan.tasks.map(async (task) => {
        const res = (await pool.run({
          type: "task",
          task,
          sink: { mode: "columns" },
          strict: false,
          maxErrors: 100,
        })) as WorkerResponse;
        if (res.failure) throw internalError(`parse worker failed: ${res.failure}`);
        for (const p of res.pieces) {
          bytes += p.bytes;
          errorCount += p.errorCount;
          for (const e of p.errors) errors.push({ file: p.path, line: e.line, reason: e.reason });
        }
        if (res.columns) {
          rows += res.columns.length;
          const done = opts.onColumns ? opts.onColumns(res.columns) === true : true;
          if (done) pool.recycle(res.columns);
        }
      }),
    ).catch((e) => {
      if (opts.signal?.aborted) throw cancelledError("parse cancelled", { cause: opts.signal.reason });
      throw e;
    });
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    pool.close();
  }
  return { rows, bytes, errorCount, errors: errors.slice(0, 100), seconds: (performance.now() - t0) / 1000 };
}
