/**
 * The console grid's model: four stage panels, each a fixed list of task rows, folded from the
 * pipeline's task events. Pure: `reduceGrid(state, event)` returns the next state, so the
 * renderers can be tested without a terminal.
 */
import type { StageId, TaskEvent, TaskSummary } from "../../platform/pipeline/index.ts";

/** The grid shows the pipeline's stages, in its order, under its titles. */
export { STAGE_TITLES as GRID_TITLES, STAGES as GRID_STAGES } from "../../platform/pipeline/index.ts";

export type RowState = "waiting" | "running" | "done" | "skipped" | "failed";

export interface TaskRow {
  id: string;
  label: string;
  state: RowState;
  /** ms since the run started (from the events). */
  startedAt?: number;
  done?: number;
  total?: number | null;
  unit?: string;
  count?: number;
  seconds?: number;
  reason?: string;
  degraded?: string;
}

export interface GridState {
  /** Latest event time (ms since start). */
  at: number;
  stages: Record<StageId, TaskRow[]>;
  /** Set once the run is over. */
  final?: { status: "complete" | "degraded" | "failed" | "cancelled"; seconds: number };
}

export interface TaskPlan {
  id: string;
  stage: StageId;
  label: string;
}

export function initialGrid(plan: readonly TaskPlan[]): GridState {
  const stages = { core: [], symbols: [], eod: [], math: [] } as Record<StageId, TaskRow[]>;
  for (const t of plan) stages[t.stage].push({ id: t.id, label: t.label, state: "waiting" });
  return { at: 0, stages };
}

export function reduceGrid(s: GridState, e: TaskEvent): GridState {
  const rows = s.stages[e.stage];
  const i = rows.findIndex((r) => r.id === e.task);
  const prev: TaskRow = i >= 0 ? rows[i]! : { id: e.task, label: e.label, state: "waiting" };
  let next: TaskRow;
  switch (e.type) {
    case "start":
      next = { ...prev, state: "running", startedAt: e.at };
      break;
    case "progress":
      next = { ...prev, state: "running", done: e.done, total: e.total, unit: e.unit ?? prev.unit };
      break;
    case "done":
      next = {
        ...prev,
        state: "done",
        count: e.count,
        unit: e.unit ?? prev.unit,
        seconds: e.seconds,
        degraded: e.degraded,
      };
      break;
    case "skipped":
      next = { ...prev, state: "skipped", count: e.count, unit: e.unit ?? prev.unit, seconds: e.seconds };
      break;
    case "failed":
      next = { ...prev, state: "failed", reason: e.reason, seconds: e.seconds };
      break;
  }
  const newRows = i >= 0 ? rows.map((r, k) => (k === i ? next : r)) : [...rows, next];
  return { ...s, at: Math.max(s.at, e.at), stages: { ...s.stages, [e.stage]: newRows } };
}

export function finishGrid(
  s: GridState,
  status: NonNullable<GridState["final"]>["status"],
  seconds: number,
): GridState {
  return { ...s, final: { status, seconds } };
}

/** A finished task as the run summary reports it (for rebuilding the final screen). */
export type FinishedTask = Omit<TaskSummary, "cached" | "hint">;

/** The final grid of a run from its summary (e.g. `ttapi run --json` output). */
export function gridFromSummary(
  tasks: readonly FinishedTask[],
  status: NonNullable<GridState["final"]>["status"],
  seconds: number,
): GridState {
  const s = initialGrid(tasks);
  for (const t of tasks) {
    const rows = s.stages[t.stage];
    const i = rows.findIndex((r) => r.id === t.id);
    rows[i] = {
      id: t.id,
      label: t.label,
      state: t.state,
      count: t.count,
      unit: t.unit,
      seconds: t.seconds,
      reason: t.reason,
      degraded: t.degraded,
    };
  }
  return { ...s, at: seconds * 1000, final: { status, seconds } };
}
