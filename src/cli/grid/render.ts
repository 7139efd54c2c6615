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
  color: boolean;
}

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

/** "2800 of 6890 (40.6%)", or "2800 symbols" when the total is unknown. */
export function formatProgress(done: number, total: number | null | undefined, unit?: string): string {
  if (total && total > 0) return `${done} of ${total} (${((done / total) * 100).toFixed(1)}%)`;
  return `${done}${unit ? ` ${unit}` : ""}`;
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
      const rate = secs > 0 && r.count ? ` ${compactNumber(r.count / secs)}/s` : "";
      const deg = r.degraded ? ` · ${oneLine(r.degraded)}` : "";
      return `DONE ${r.count ?? 0} ${unit} ${formatSeconds(secs)}${rate}${deg}`;
    }
    case "skipped":
      return `SKIPPED (cached) ${r.count ?? 0} ${unit}`;
    case "failed":
      return `FAILED ${oneLine(r.reason ?? "")}`.trimEnd();
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

/** The whole screen: 2×2 panels when the terminal is wide enough, else stacked; plus a footer. */
export function renderGrid(s: GridState, o: RenderOptions): string[] {
  const width = Math.max(40, o.width);
  const twoColumns = width >= 100;
  const pw = twoColumns ? Math.floor(width / 2) : width;
  const lines: string[] = [];
  const pairs = twoColumns ? [GRID_STAGES.slice(0, 2), GRID_STAGES.slice(2, 4)] : GRID_STAGES.map((x) => [x]);
  for (const pair of pairs) {
    const height = Math.max(...pair.map((st) => s.stages[st].length)) + 2;
    const panels = pair.map((st) => panel(GRID_TITLES[st], s.stages[st], pw, height, s.at, o.color));
    for (let i = 0; i < height; i++) lines.push(panels.map((p) => p[i]).join(""));
  }
  lines.push(footer(s, o.color));
  return lines;
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
      const rate = secs > 0 && e.count ? ` (${compactNumber(e.count / secs)} ${unit}/s)` : "";
      [text, code] = [
        `DONE ${e.count ?? 0} ${unit} in ${formatSeconds(secs)}${rate}${e.degraded ? `; ${e.degraded}` : ""}`,
        SGR.green,
      ];
      break;
    }
    case "skipped":
      [text, code] = [`SKIPPED (cached) ${e.count ?? 0} ${unit}`, SGR.cyan];
      break;
    case "failed":
      [text, code] = [`FAILED ${oneLine(e.reason ?? "")}`.trimEnd(), SGR.red];
      break;
  }
  return `${stamp} ${where}: ${paint(text, code, color)}`;
}
