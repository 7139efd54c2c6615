/**
 * The run summary: per task and per stage status, counts, seconds, cache hits and failures, the
 * lake partitions written, and the run status — complete, degraded (data missing within the
 * threshold), failed or cancelled.
 */
import { ERROR_CODES, isTTError } from "../../core/errors.ts";
import { type ArtifactValue, isArtifactValue } from "./artifact-task.ts";
import { STAGES, type StageId, type TaskDef, type TaskOutcome } from "./graph.ts";
import type { LakeSummary } from "./lake-step.ts";
import {
  type OutcomeTask,
  type RunFailure,
  type RunStatus,
  runExitCode,
  runFailures,
  STATUS_EXIT_CODES,
} from "./outcome.ts";
import { type StatsUpdateMeta, statsUpdateLine } from "./stats-update.ts";

export type { RunStatus } from "./outcome.ts";
export const EXIT_CODES: Record<RunStatus, number> = STATUS_EXIT_CODES;

/** A task's line in the summary: what the outcome reads of it, plus its time and cache hit. */
export interface TaskSummary extends OutcomeTask {
  seconds: number;
  cached: boolean;
}

export interface StageSummary {
  title: string;
  status: RunStatus;
  tasks: number;
  done: number;
  cacheHits: number;
  failed: number;
  rows: number;
  seconds: number;
  failures: { task: string; reason: string; hint?: string }[];
}

export interface RunSummary {
  status: RunStatus;
  exitCode: number;
  seconds: number;
  dataDir: string;
  symbols: number;
  duplicates: number;
  stages: Record<StageId, StageSummary>;
  tasks: TaskSummary[];
  artifacts: { id: string; fingerprint: string; rows: number }[];
  /** Root failures and shortfalls, each named with its reason (see outcome.ts); lake writes too. */
  failures: RunFailure[];
  persist: { files: number; bytes: number; failures: { id: string; error: string }[] };
  /** The lake partitions of this run (absent when the run was cancelled before the lake step). */
  lake?: LakeSummary;
  /**
   * How the statistics were brought up to date: symbols updated incrementally vs recomputed in
   * full, with the reasons (`reused`: the stored statistics were still current, nothing ran).
   */
  statistics?: StatsUpdateMeta & { reused: boolean; line: string };
  /** Demo mode: what the simulated exchange served (requests and injected faults by kind). */
  sim?: { requests: number; faults: Record<string, number> };
}

const TITLES: Record<StageId, string> = {
  core: "Core Data",
  symbols: "Symbol Data",
  eod: "EOD Data",
  math: "Math",
};

export interface SummarizeInput {
  tasks: readonly TaskDef[];
  outcomes: ReadonlyMap<string, TaskOutcome>;
  timing: ReadonlyMap<string, { start: number; end: number }>;
  persistFailures: { id: string; error: string }[];
  cancelled: boolean;
  lake?: LakeSummary;
  /** `--strict`: a tolerated loss (a degraded task) is a failure, reported with what was lost. */
  strict?: boolean;
}

export function summarize(
  i: SummarizeInput,
): Pick<
  RunSummary,
  "status" | "exitCode" | "failures" | "stages" | "tasks" | "artifacts" | "duplicates" | "lake" | "statistics"
> {
  const { tasks, outcomes, timing } = i;
  const taskSummaries: TaskSummary[] = tasks.map((t) => {
    const oc = outcomes.get(t.id)!;
    if (i.strict && oc.state !== "failed" && oc.result?.degraded)
      Object.assign(oc, { state: "failed", reason: `--strict: ${oc.result.degraded}` });
    const failed = oc.state === "failed";
    return {
      id: t.id,
      stage: t.stage,
      label: t.label,
      state: failed ? "failed" : oc.state === "skipped" ? "skipped" : "done",
      count: oc.result?.count ?? 0,
      unit: oc.result?.unit ?? "rows",
      seconds: oc.seconds,
      cached: oc.state === "skipped",
      ...(oc.reason && failed ? { reason: oc.reason } : {}),
      ...(failed && isTTError(oc.error) && oc.error.hint ? { hint: oc.error.hint } : {}),
      ...(failed && isTTError(oc.error) ? { code: oc.error.code } : {}),
      ...(failed && isTTError(oc.error) && typeof oc.error.details?.code === "string"
        ? { causeCode: oc.error.details.code }
        : {}),
      ...(timing.has(t.id) ? { endedAt: timing.get(t.id)!.end } : {}),
      ...(oc.result?.degraded ? { degraded: oc.result.degraded } : {}),
    };
  });
  for (const f of i.persistFailures) {
    const t = taskSummaries.find(
      (x) =>
        isArtifactValue(outcomes.get(x.id)?.result?.value) &&
        (outcomes.get(x.id)!.result!.value as ArtifactValue).id === f.id,
    );
    if (t) Object.assign(t, { state: "failed", reason: `not saved: ${f.error}` });
  }
  const statusOf = (list: TaskSummary[]): RunStatus =>
    i.cancelled && list.some((t) => t.state === "failed")
      ? "cancelled"
      : list.some((t) => t.state === "failed")
        ? "failed"
        : list.some((t) => t.degraded)
          ? "degraded"
          : "complete";
  const stages = {} as Record<StageId, StageSummary>;
  for (const st of STAGES) {
    const list = taskSummaries.filter((t) => t.stage === st);
    const times = list.map((t) => timing.get(t.id)).filter((x) => x !== undefined);
    stages[st] = {
      title: TITLES[st],
      status: statusOf(list),
      tasks: list.length,
      done: list.filter((t) => t.state === "done").length,
      cacheHits: list.filter((t) => t.cached).length,
      failed: list.filter((t) => t.state === "failed").length,
      rows: list.reduce((s, t) => s + t.count, 0),
      seconds: times.length
        ? (Math.max(...times.map((x) => x.end)) - Math.min(...times.map((x) => x.start))) / 1000
        : 0,
      failures: list
        .filter((t) => t.state === "failed")
        .map((t) => ({ task: t.label, reason: t.reason ?? "failed", ...(t.hint ? { hint: t.hint } : {}) })),
    };
  }
  let status = statusOf(taskSummaries);
  let exitCode = runExitCode(status, taskSummaries);
  // A lake partition that could not be written (full disk) fails the run even when every task
  // succeeded: the history has a hole until the next run fills it.
  const lakeFailures: RunFailure[] = (i.lake?.tables ?? [])
    .filter((t) => t.state === "failed")
    .map((t) => ({
      task: `lake.${t.table}`,
      label: `lake ${t.table}`,
      stage: "math",
      kind: "failed",
      reason: t.reason ?? "not written",
      code: "E_IO",
    }));
  // An s3:// lake whose bars could not be sent: the bucket lacks this run's bars.
  const s3Bars = i.lake?.s3Bars;
  if (s3Bars && "error" in s3Bars)
    lakeFailures.push({
      task: "lake.bars",
      label: "lake bars (s3)",
      stage: "math",
      kind: "failed",
      reason: s3Bars.error,
      code: "E_HTTP",
    });
  if (status !== "cancelled" && lakeFailures.length > 0) {
    if (status !== "failed") exitCode = ERROR_CODES.E_IO.exit;
    status = "failed";
  }
  const barsValue = outcomes.get("eod.bars")?.result?.value;
  const statsResult = outcomes.get("math.stats")?.result;
  const statsUpdate =
    isArtifactValue(statsResult?.value) && statsResult.value.meta.update
      ? {
          ...(statsResult.value.meta.update as StatsUpdateMeta),
          reused: statsResult.cached === true,
          line: statsUpdateLine(statsResult.value.meta.update as StatsUpdateMeta),
        }
      : undefined;
  const artifacts = [...outcomes.values()]
    .map((x) => x.result?.value)
    .filter(isArtifactValue)
    .map((v) => ({ id: v.id, fingerprint: v.fingerprint, rows: v.rows }));
  return {
    status,
    exitCode,
    failures: [...runFailures(taskSummaries), ...lakeFailures],
    stages,
    tasks: taskSummaries,
    artifacts,
    duplicates: isArtifactValue(barsValue) ? Number(barsValue.meta.duplicates ?? 0) : 0,
    ...(i.lake ? { lake: i.lake } : {}),
    ...(statsUpdate ? { statistics: statsUpdate } : {}),
  };
}
