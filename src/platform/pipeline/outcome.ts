/**
 * A run's outcome for the people and programs that read it: the exit code (the class of the first
 * fatal cause, so cron can tell bad credentials from a dead network or throttling), the failures
 * and shortfalls named task by task, and one final log line. Kept apart from run.ts so the
 * executor stays about executing.
 */
import { ERROR_CODES, type ErrorCode } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { StageId } from "./graph.ts";

export type RunStatus = "complete" | "degraded" | "failed" | "cancelled";

export const STATUS_EXIT_CODES: Record<RunStatus, number> = {
  complete: 0,
  degraded: 3,
  failed: 1,
  cancelled: 130,
};

/** What the outcome needs of a task (summarize.ts's TaskSummary adds its time and cache hit). */
export interface OutcomeTask {
  id: string;
  stage: StageId;
  label: string;
  state: "done" | "skipped" | "failed";
  count: number;
  unit: string;
  reason?: string;
  hint?: string;
  degraded?: string;
  /** The error code of a failure (E_AUTH, E_NETWORK, …). */
  code?: string;
  /** Details of a summarising error (e.g. the dominant code behind E_DEGRADED). */
  causeCode?: string;
  /** When the task ended, ms since the run started (orders "first"). */
  endedAt?: number;
}

/** A failure or a shortfall, named: what `--json`'s `failures`, the terminal and the log list. */
export interface RunFailure {
  task: string;
  label: string;
  stage: StageId;
  kind: "failed" | "degraded";
  reason: string;
  code?: string;
  hint?: string;
}

/** A task that failed only because an input failed or the run was stopped: not a cause. */
export function isConsequence(t: Pick<OutcomeTask, "reason">): boolean {
  return t.reason === "cancelled" || /^input .+ failed$/.test(t.reason ?? "");
}

/**
 * The exit code: 0/3/130 by status; for a failed run, the class of the first root failure's code
 * (auth 77, network/HTTP 69, rate limit/timeout 75, config 78, protocol 76, data 65, I/O 74), or 1
 * when no class applies.
 */
export function runExitCode(status: RunStatus, tasks: readonly OutcomeTask[]): number {
  if (status !== "failed") return STATUS_EXIT_CODES[status];
  const cause = firstCause(tasks);
  const code = (cause?.code === "E_DEGRADED" ? cause.causeCode : cause?.code) as ErrorCode | undefined;
  if (!code || !(code in ERROR_CODES)) return STATUS_EXIT_CODES.failed;
  const exit = ERROR_CODES[code].exit;
  // E_DEGRADED (3) and internal (70) say nothing about the class: keep the generic failure code.
  return exit === 3 || exit === 70 ? STATUS_EXIT_CODES.failed : exit;
}

/** The first task that failed on its own (not because an input failed). */
export function firstCause(tasks: readonly OutcomeTask[]): OutcomeTask | undefined {
  return tasks
    .filter((t) => t.state === "failed" && !isConsequence(t))
    .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))[0];
}

/**
 * Every root failure and every shortfall, with its reason — never just a count. Tasks that failed
 * with the same code and reason (one missing credential seen by two tasks at once) are one entry.
 */
export function runFailures(tasks: readonly OutcomeTask[]): RunFailure[] {
  const out: RunFailure[] = [];
  for (const t of tasks) {
    const same =
      t.state === "failed" && !isConsequence(t)
        ? out.find((f) => f.kind === "failed" && f.reason === (t.reason ?? "failed") && f.code === t.code)
        : undefined;
    if (same) {
      same.label = `${same.label}, ${t.label}`;
      continue;
    }
    if (t.state === "failed" && !isConsequence(t))
      out.push({
        task: t.id,
        label: t.label,
        stage: t.stage,
        kind: "failed",
        reason: t.reason ?? "failed",
        ...(t.code ? { code: t.code } : {}),
        ...(t.hint ? { hint: t.hint } : {}),
      });
    else if (t.state !== "failed" && t.degraded)
      out.push({ task: t.id, label: t.label, stage: t.stage, kind: "degraded", reason: t.degraded });
  }
  return out;
}

/** Failures at error, shortfalls at warn, then one line with the outcome (what cron logs need). */
export function logOutcome(
  log: Logger,
  o: {
    status: RunStatus;
    exitCode: number;
    seconds: number;
    dataDir: string;
    symbols: number;
    tasks: readonly OutcomeTask[];
  },
): void {
  const failures = runFailures(o.tasks);
  for (const f of failures) {
    const fields = { task: f.task, ...(f.code ? { code: f.code } : {}), ...(f.hint ? { hint: f.hint } : {}) };
    if (f.kind === "failed") log.error(`${f.label} failed: ${f.reason}`, fields);
    else log.warn(`${f.label} incomplete: ${f.reason}`, fields);
  }
  const counts = Object.fromEntries(
    o.tasks.filter((t) => t.state !== "failed").map((t) => [t.id, `${t.count} ${t.unit}`]),
  );
  const line = `run ${o.status} in ${o.seconds.toFixed(1)} s (exit ${o.exitCode}): ${failures.filter((f) => f.kind === "failed").length} failed, ${failures.filter((f) => f.kind === "degraded").length} incomplete, data in ${o.dataDir}`;
  const level = o.status === "complete" ? "info" : o.status === "degraded" ? "warn" : "error";
  log[level](line, { status: o.status, exitCode: o.exitCode, symbols: o.symbols, counts });
}
