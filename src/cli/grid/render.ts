/**
 * Pure renderers for the console grid: `renderGrid(state)` → the lines of the four panels (a
 * fixed-height screen the live printer redraws in place), `renderEventLine(event)` → the one plain
 * line per state change used when stderr is not a TTY (cron logs). Colour is optional ANSI SGR;
 * with `color: false` the output contains no escape codes at all.
 */
import type { TaskEvent } from "../../platform/pipeline/index.ts";
import { GRID_STAGES, GRID_TITLES, type GridState, type RowState, type TaskRow } from "./state.ts";

export interface RenderOptions {
  /** Terminal width in columns. */
  width: number;
  /** Terminal height in rows (default: unlimited). The frame never uses more than height − 1. */
  height?: number;
  color: boolean;
}

/** Panels side by side need this many columns (two of 39: an 80-column terminal, less the last column). */
const TWO_COLUMNS_MIN_WIDTH = 78;

const SGR = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  cyan: "\x1b[36m",
};
const STATE_COLOR: Record<RowState, string> = {
  waiting: SGR.dim,
  running: SGR.yellow,
  done: SGR.green,
  skipped: SGR.cyan,
  failed: SGR.red,
};
const STATE_ICON: Record<RowState, string> = {
  waiting: "·",
  running: "▸",
  done: "✓",
  skipped: "↺",
  failed: "✗",
};

function paint(text: string, code: string, color: boolean): string {
  return color ? `${code}${text}${SGR.reset}` : text;
}

/** 1234567 → "1.23M", 12345 → "12.3k", 999 → "999". */
export function compactNumber(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(2)}s`;
  if (s < 100) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
}

/** "1 token", "2 tokens", "1 row": the unit agrees with the count. */
export function countOf(n: number, unit: string): string {
  return `${n} ${n === 1 && unit.endsWith("s") ? unit.slice(0, -1) : unit}`;
}

/** A rate for humans: "12.3k rows/s"; nothing for rates that would print as 0. */
export function rateOf(count: number, seconds: number, unit: string): string {
  if (!(seconds > 0) || !(count > 0)) return "";
  const r = count / seconds;
  return r < 1 ? "" : `${compactNumber(r)} ${unit}/s`;
}

/** "2800 of 6890 (40.6%)", or "2800 symbols" when the total is unknown; all done but still running: finishing. */
export function formatProgress(done: number, total: number | null | undefined, unit?: string): string {
  if (total && total > 0)
    return done >= total
      ? `${done} of ${total} · finishing`
      : `${done} of ${total} (${((done / total) * 100).toFixed(1)}%)`;
  return unit ? countOf(done, unit) : String(done);
}

/** The status text of a task row (no colour). */
export function rowStatus(r: TaskRow, nowAt: number): string {
  const unit = r.unit ?? "rows";
  switch (r.state) {
    case "waiting":
      return "waiting";
    case "running": {
      const elapsed =
        r.startedAt !== undefined ? ` · ${formatSeconds(Math.max(0, nowAt - r.startedAt) / 1000)}` : "";
      if (r.done !== undefined) return `${formatProgress(r.done, r.total, unit)}${elapsed}`;
      return `START${elapsed}`;
    }
    case "done": {
      const secs = r.seconds ?? 0;
      const rate = rateOf(r.count ?? 0, secs, unit);
      const deg = r.degraded ? ` · ${oneLine(r.degraded)}` : "";
      return `DONE ${countOf(r.count ?? 0, unit)} ${formatSeconds(secs)}${rate ? ` ${rate}` : ""}${deg}`;
    }
    case "skipped":
      return `SKIPPED (cached) ${countOf(r.count ?? 0, unit)}`;
    case "failed":
      return r.reason === "cancelled" ? "STOPPED" : `FAILED ${oneLine(r.reason ?? "")}`.trimEnd();
  }
}

/** Reasons come from errors and servers: never let a newline or control character break a frame. */
function oneLine(s: string): string {
  return s.replace(/[\s\x00-\x1f\x7f]+/g, " ").trim();
}

function truncate(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s + " ".repeat(width - chars.length);
  return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

function stageSummary(rows: readonly TaskRow[]): string {
  const finished = rows.filter((r) => r.state === "done" || r.state === "skipped").length;
  const failed = rows.filter((r) => r.state === "failed").length;
  const running = rows.filter((r) => r.state === "running").length;
  const parts = [`${finished}/${rows.length}`];
  if (running) parts.push(`${running} running`);
  if (failed) parts.push(`${failed} failed`);
  return parts.join(" · ");
}

/** One panel as exactly `height` lines of exactly `width` visible columns. */
function panel(
  title: string,
  rows: readonly TaskRow[],
  width: number,
  height: number,
  nowAt: number,
  color: boolean,
): string[] {
  const inner = width - 4;
  const labelWidth = Math.min(16, Math.max(8, ...rows.map((r) => [...r.label].length)));
  const head = `─ ${title} `;
  // The stage summary gives way (truncated) before the frame grows: every line is exactly `width`.
  const room = Math.max(0, width - 2 - [...head].length);
  let summary = ` ${stageSummary(rows)} `;
  if ([...summary].length > room) summary = room > 1 ? `${truncate(summary, room - 1).trimEnd()} ` : "";
  summary = [...summary].slice(0, room).join("");
  const fill = room - [...summary].length;
  const out = [`┌${paint(head, SGR.bold, color)}${"─".repeat(fill)}${summary}┐`];
  for (const r of rows) {
    const text = truncate(
      `${STATE_ICON[r.state]} ${truncate(r.label, labelWidth)} ${rowStatus(r, nowAt)}`,
      inner,
    );
    out.push(`│ ${paint(text, STATE_COLOR[r.state], color)} │`);
  }
  while (out.length < height - 1) out.push(`│ ${" ".repeat(inner)} │`);
  out.push(`└${"─".repeat(width - 2)}┘`);
  return out;
}

/**
 * The whole screen, fitted to the terminal: 2×2 panels when it is wide and tall enough; else one
 * line per task; on a very short terminal one line per stage. Plus a footer. Never more than
 * height − 1 lines (a frame taller than the screen cannot be redrawn in place) nor wider than width.
 */
export function renderGrid(s: GridState, o: RenderOptions): string[] {
  const width = Math.max(20, o.width);
  const maxLines = Math.max(2, (o.height ?? Number.POSITIVE_INFINITY) - 1);
  if (width >= TWO_COLUMNS_MIN_WIDTH) {
    const pw = Math.floor(width / 2);
    const pairs = [GRID_STAGES.slice(0, 2), GRID_STAGES.slice(2, 4)];
    const heights = pairs.map((pair) => Math.max(...pair.map((st) => s.stages[st].length)) + 2);
    if (heights[0]! + heights[1]! + 1 <= maxLines) {
      const lines: string[] = [];
      pairs.forEach((pair, k) => {
        const height = heights[k]!;
        const panels = pair.map((st) => panel(GRID_TITLES[st], s.stages[st], pw, height, s.at, o.color));
        for (let i = 0; i < height; i++) lines.push(panels.map((p) => p[i]).join(""));
      });
      lines.push(footer(s, o.color));
      return lines;
    }
  }
  const compact = compactLines(s, width, o.color);
  if (compact.length + 1 <= maxLines) return [...compact, footer(s, o.color)];
  return [...stageLines(s, width, o.color).slice(0, maxLines - 1), footer(s, o.color)];
}

/** One line per task: `Stage  label  status`, the stage named on its first task only. */
function compactLines(s: GridState, width: number, color: boolean): string[] {
  const all = GRID_STAGES.flatMap((st) => s.stages[st]);
  const labelWidth = Math.min(16, Math.max(8, ...all.map((r) => [...r.label].length)));
  const titleWidth = Math.max(...GRID_STAGES.map((st) => GRID_TITLES[st].length));
  const lines: string[] = [];
  for (const st of GRID_STAGES)
    s.stages[st].forEach((r, i) => {
      const title = (i === 0 ? GRID_TITLES[st] : "").padEnd(titleWidth);
      const text = `${STATE_ICON[r.state]} ${truncate(r.label, labelWidth)} ${rowStatus(r, s.at)}`;
      // Exactly `width` columns, like the panels: a redraw overwrites every cell of the last frame.
      const body = truncate(text, Math.max(1, width - titleWidth - 1));
      lines.push(`${title} ${paint(body, STATE_COLOR[r.state], color)}`);
    });
  return lines;
}

/** One line per stage (very short terminals): the stage tally and its running or failed task. */
function stageLines(s: GridState, width: number, color: boolean): string[] {
  return GRID_STAGES.map((st) => {
    const rows = s.stages[st];
    const focus = rows.find((r) => r.state === "failed") ?? rows.find((r) => r.state === "running");
    const detail = focus ? ` · ${focus.label}: ${rowStatus(focus, s.at)}` : "";
    const text = truncate(`${GRID_TITLES[st]} ${stageSummary(rows)}${detail}`, width);
    return focus && color ? paint(text, STATE_COLOR[focus.state], true) : text;
  });
}

function footer(s: GridState, color: boolean): string {
  const all = GRID_STAGES.flatMap((st) => s.stages[st]);
  const count = (st: RowState) => all.filter((r) => r.state === st).length;
  const tally = `${count("done")} done · ${count("skipped")} cached · ${count("failed")} failed · ${count("running")} running`;
  if (!s.final) return `  ${formatSeconds(s.at / 1000)} · ${tally}`;
  const code =
    s.final.status === "complete" ? SGR.green : s.final.status === "degraded" ? SGR.yellow : SGR.red;
  return `  ${paint(s.final.status.toUpperCase(), SGR.bold + code, color)} in ${formatSeconds(s.final.seconds)} · ${tally}`;
}

/** One plain line for a state change (non-TTY mode); null for events that are not state changes. */
export function renderEventLine(e: TaskEvent, color = false): string | null {
  if (e.type === "progress") return null;
  const stamp = `[${(e.at / 1000).toFixed(2).padStart(7)}s]`;
  const where = `${GRID_TITLES[e.stage]} / ${e.label}`;
  const unit = e.unit ?? "rows";
  let text: string;
  let code: string;
  switch (e.type) {
    case "start":
      [text, code] = ["START", SGR.yellow];
      break;
    case "done": {
      const secs = e.seconds ?? 0;
      const rate = rateOf(e.count ?? 0, secs, unit);
      [text, code] = [
        `DONE ${countOf(e.count ?? 0, unit)} in ${formatSeconds(secs)}${rate ? ` (${rate})` : ""}${e.degraded ? `; ${e.degraded}` : ""}`,
        SGR.green,
      ];
      break;
    }
    case "skipped":
      [text, code] = [`SKIPPED (cached) ${countOf(e.count ?? 0, unit)}`, SGR.cyan];
      break;
    case "failed":
      [text, code] =
        e.reason === "cancelled"
          ? ["STOPPED", SGR.yellow]
          : [`FAILED ${oneLine(e.reason ?? "")}`.trimEnd(), SGR.red];
      break;
  }
  return `${stamp} ${where}: ${paint(text, code, color)}`;
}
