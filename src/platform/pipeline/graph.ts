/**
 * A task dependency-graph executor. Tasks declare the ids of their inputs; a task starts the
 * moment all of its inputs are done (there is no stage barrier), independent tasks run
 * concurrently, and every state change is reported as an event (start, progress, done, skipped
 * because cached, failed with a reason). A failed input fails its dependents with a clear reason;
 * unrelated tasks carry on. Cancellation: the caller's AbortSignal aborts running tasks and stops
 * pending ones.
 */
import { childController } from "../../core/cancel.ts";
import { isAbortError, toTTError, usageError } from "../../core/errors.ts";

export const STAGES = ["core", "symbols", "eod", "math"] as const;
export type StageId = (typeof STAGES)[number];
export const STAGE_TITLES: Record<StageId, string> = {
  core: "Core Data",
  symbols: "Symbol Data",
  eod: "EOD Data",
  math: "Math",
};

export type TaskState = "pending" | "running" | "done" | "skipped" | "failed";

export interface TaskEvent {
  type: "start" | "progress" | "done" | "skipped" | "failed";
  stage: StageId;
  task: string;
  label: string;
  /** ms since the run started */
  at: number;
  done?: number;
  total?: number | null;
  unit?: string;
  /** Output size (rows/records) for done/skipped. */
  count?: number;
  seconds?: number;
  reason?: string;
  /** Failed: the error's code (E_AUTH, E_NETWORK…), so listeners can tell causes apart. */
  code?: string;
  /** Done, but with a tolerated shortfall (e.g. 3 of 507 symbols missing). */
  degraded?: string;
}

export interface TaskResult<T = unknown> {
  value: T;
  /** Rows/records produced. */
  count: number;
  unit?: string;
  /** True when the value came from the cache (the task did no work). */
  cached?: boolean;
  /** A tolerated shortfall, one line. */
  degraded?: string;
}

export interface TaskContext {
  signal: AbortSignal;
  /** Results of this task's inputs, by task id. */
  input<T>(id: string): T;
  /** Why an optional input failed (the task runs without it), or null when it is there. */
  failed(id: string): string | null;
  progress(done: number, total?: number | null, unit?: string): void;
}

export interface TaskDef<T = unknown> {
  id: string;
  stage: StageId;
  label: string;
  deps: readonly string[];
  /**
   * Inputs the task can do without (listed in `deps` too): when one fails the task still runs,
   * `ctx.failed(id)` says why, and the task reports what is missing (e.g. bars from the local
   * MetaStock files while the API is down).
   */
  optional?: readonly string[];
  /**
   * Stops this task alone (it is not started once aborted; a failure after it is reported as
   * cancelled), e.g. the API tasks after an authentication failure while local work goes on.
   */
  stop?: AbortSignal;
  run(ctx: TaskContext): Promise<TaskResult<T>>;
}

export interface TaskOutcome {
  id: string;
  stage: StageId;
  label: string;
  state: TaskState;
  result?: TaskResult;
  error?: unknown;
  reason?: string;
  seconds: number;
}

export interface RunGraphOptions {
  signal?: AbortSignal;
  onEvent?: (e: TaskEvent) => void;
  /** Max tasks running at once (default: unlimited — tasks bound their own I/O). */
  concurrency?: number;
  /** Progress events are throttled per task to this interval (ms); start/done always pass. */
  progressIntervalMs?: number;
  now?: () => number;
}

/** Validate ids/deps and return a topological order (throws on unknown deps or cycles). */
export function topoOrder(tasks: readonly TaskDef[]): string[] {
  const byId = new Map<string, TaskDef>();
  for (const t of tasks) {
    if (byId.has(t.id)) throw usageError(`pipeline: duplicate task id "${t.id}"`);
    byId.set(t.id, t);
  }
  for (const t of tasks)
    for (const d of t.deps)
      if (!byId.has(d)) throw usageError(`pipeline: task "${t.id}" depends on unknown task "${d}"`);
  const order: string[] = [];
  const mark = new Map<string, 1 | 2>();
  const visit = (id: string, path: string[]) => {
    const m = mark.get(id);
    if (m === 2) return;
    if (m === 1) throw usageError(`pipeline: dependency cycle ${[...path, id].join(" → ")}`);
    mark.set(id, 1);
    for (const d of byId.get(id)!.deps) visit(d, [...path, id]);
    mark.set(id, 2);
    order.push(id);
  };
  for (const t of tasks) visit(t.id, []);
  return order;
}

export async function runGraph(
  tasks: readonly TaskDef[],
  opts: RunGraphOptions = {},
): Promise<Map<string, TaskOutcome>> {
  topoOrder(tasks);
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const at = () => Math.round(now() - t0);
  const emit = opts.onEvent ?? (() => {});
  const ctl = childController(opts.signal);
  const limit = opts.concurrency ?? Number.POSITIVE_INFINITY;
  const progressEvery = opts.progressIntervalMs ?? 100;

  const outcomes = new Map<string, TaskOutcome>();
  const waiting = new Map<string, TaskDef>(tasks.map((t) => [t.id, t]));
  let running = 0;

  return await new Promise((resolveAll) => {
    const finish = (t: TaskDef, o: Omit<TaskOutcome, "id" | "stage" | "label">) => {
      outcomes.set(t.id, { id: t.id, stage: t.stage, label: t.label, ...o });
    };

    const schedule = () => {
      for (const t of [...waiting.values()]) {
        if (running >= limit) break;
        // A task that finished synchronously re-enters schedule(): skip what that call handled.
        if (!waiting.has(t.id)) continue;
        const optional = (d: string) => t.optional?.includes(d) === true;
        const deps = t.deps.map((d) => outcomes.get(d));
        const failedDep = t.deps.find((d) => !optional(d) && outcomes.get(d)?.state === "failed");
        const stopped = ctl.signal.aborted || t.stop?.aborted === true;
        if (failedDep !== undefined || stopped) {
          waiting.delete(t.id);
          const reason = stopped ? "cancelled" : `input ${outcomes.get(failedDep!)!.label} failed`;
          finish(t, { state: "failed", reason, seconds: 0 });
          emit({ type: "failed", stage: t.stage, task: t.id, label: t.label, at: at(), reason });
          continue;
        }
        const settled = (o: TaskOutcome | undefined) =>
          o !== undefined &&
          (o.state === "done" || o.state === "skipped" || (o.state === "failed" && optional(o.id)));
        if (!deps.every(settled)) continue;
        waiting.delete(t.id);
        start(t);
      }
      if (waiting.size > 0 && running === 0) {
        // Cannot happen for a validated DAG; fail loudly rather than hang.
        for (const t of waiting.values())
          finish(t, { state: "failed", reason: "blocked (internal scheduling error)", seconds: 0 });
        waiting.clear();
      }
      if (waiting.size === 0 && running === 0) resolveAll(outcomes);
    };

    const start = (t: TaskDef) => {
      running++;
      const started = now();
      emit({ type: "start", stage: t.stage, task: t.id, label: t.label, at: at() });
      let lastProgress = 0;
      const ctx: TaskContext = {
        signal: t.stop ? AbortSignal.any([ctl.signal, t.stop]) : ctl.signal,
        input: <T>(id: string) => {
          if (!t.deps.includes(id))
            throw usageError(`pipeline: task "${t.id}" reads undeclared input "${id}"`);
          const o = outcomes.get(id)!;
          if (o.state === "failed")
            throw usageError(
              `pipeline: task "${t.id}" reads failed optional input "${id}" (check ctx.failed)`,
            );
          return o.result!.value as T;
        },
        failed: (id) => {
          const o = outcomes.get(id);
          return o?.state === "failed" ? (o.reason ?? "failed") : null;
        },
        progress: (done, total = null, unit) => {
          const n = now();
          if (n - lastProgress < progressEvery && (total === null || done < total)) return;
          lastProgress = n;
          emit({ type: "progress", stage: t.stage, task: t.id, label: t.label, at: at(), done, total, unit });
        },
      };
      void (async () => {
        try {
          const result = await t.run(ctx);
          const seconds = (now() - started) / 1000;
          const state: TaskState = result.cached ? "skipped" : "done";
          finish(t, { state, result, seconds });
          emit({
            type: result.cached ? "skipped" : "done",
            stage: t.stage,
            task: t.id,
            label: t.label,
            at: at(),
            count: result.count,
            unit: result.unit,
            seconds,
            degraded: result.degraded,
            reason: result.cached ? "cached" : undefined,
          });
        } catch (e) {
          const seconds = (now() - started) / 1000;
          const err = toTTError(e);
          const reason = isAbortError(e) || ctl.signal.aborted || t.stop?.aborted ? "cancelled" : err.message;
          finish(t, { state: "failed", error: err, reason, seconds });
          emit({
            type: "failed",
            stage: t.stage,
            task: t.id,
            label: t.label,
            at: at(),
            reason,
            seconds,
            ...(reason === "cancelled" ? {} : { code: err.code }),
          });
        } finally {
          running--;
          schedule();
        }
      })();
    };

    if (opts.signal) opts.signal.addEventListener("abort", () => queueMicrotask(schedule), { once: true });
    schedule();
  });
}
