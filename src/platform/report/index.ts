/**
 * `ttapi report`: the lake as one self-contained HTML file (see html.ts for the page, load.ts for
 * what is read). The file is replaced atomically, so a browser tab reloading it during a
 * `ttapi run` sees the previous report or the new one, never half of one.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { atomicWriteFileSync } from "../../core/atomic.ts";
import { lakeRoot } from "../lake/index.ts";
import { renderReport } from "./html.ts";
import { type LoadOptions, loadReport } from "./load.ts";
import type { ReportModel } from "./model.ts";
import { currentResult, lakeStamp, stampPath } from "./stamp.ts";

export { renderReport } from "./html.ts";
export { loadReport } from "./load.ts";
export type { ReportModel } from "./model.ts";

export interface ReportOptions extends Omit<LoadOptions, "root"> {
  dataDir: string;
  /** Lake root (default `<data-dir>/lake`). */
  lake?: string;
  /** Output file (default `<data-dir>/report/index.html`). */
  out?: string;
  /** Keep the report when the lake has not changed since it was written (the end-of-run hook). */
  ifChanged?: boolean;
}

export interface ReportResult {
  file: string;
  bytes: number;
  symbols: number;
  missingSymbols: string[];
  notes: string[];
  asOf: string | null;
  historyDays: number;
  seconds: number;
  /** True when `ifChanged` found the report current and left it as it was. */
  unchanged?: boolean;
}

export function defaultReportPath(dataDir: string): string {
  return join(dataDir, "report", "index.html");
}

export function writeReport(o: ReportOptions): ReportResult {
  const t0 = performance.now();
  const root = o.lake ?? lakeRoot(o.dataDir);
  const file = o.out ?? defaultReportPath(o.dataDir);
  const stamp = o.ifChanged
    ? lakeStamp(root, { symbols: o.symbols ?? null, annualization: o.annualization ?? null })
    : null;
  if (stamp) {
    const kept = currentResult<ReportResult>(file, stamp);
    if (kept) return { ...kept, seconds: (performance.now() - t0) / 1000, unchanged: true };
  }
  const model: ReportModel = loadReport({ ...o, root });
  const html = renderReport(model);
  mkdirSync(dirname(file), { recursive: true });
  const bytes = Buffer.byteLength(html);
  atomicWriteFileSync(file, html);
  const result: ReportResult = {
    file,
    bytes,
    symbols: model.symbols.length,
    missingSymbols: model.missingSymbols,
    notes: model.notes,
    asOf: model.asOf,
    historyDays: model.historyDays,
    seconds: (performance.now() - t0) / 1000,
  };
  // Stamped after the write: a crash in between only costs a regeneration next time.
  if (stamp) atomicWriteFileSync(stampPath(file), JSON.stringify({ stamp, result }));
  return result;
}
