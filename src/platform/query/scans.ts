/**
 * Which files a query reads, from polars' optimized plan: after predicate pushdown each Parquet
 * scan lists only the partitions that survive the hive-column filter. Polars prints up to two
 * paths and abbreviates longer lists as `first, ... N other sources`, so the count is exact and
 * the listed paths are the ones it printed.
 */
import { relative } from "node:path";

export interface PlanScan {
  /** Lake table the files belong to (the path segment under the lake root), or null outside it. */
  table: string | null;
  /** Number of files this scan reads. */
  files: number;
  /** The paths the plan names (all of them when `files` ≤ 2, else the first). */
  shown: string[];
}

const SCAN_RE = /Parquet SCAN \[([^\]]*)\]/g;

export function planScans(plan: string, lakeRoot: string): PlanScan[] {
  const out: PlanScan[] = [];
  for (const m of plan.matchAll(SCAN_RE)) {
    const body = m[1]!;
    const more = /, \.\.\. (\d+) other sources?$/.exec(body);
    const listed = (more ? body.slice(0, more.index) : body)
      .split(", ")
      .map((s) => s.trim())
      .filter(Boolean);
    const files = listed.length + (more ? Number(more[1]) : 0);
    const rel = listed[0] ? relative(lakeRoot, listed[0]) : "";
    const table = rel && !rel.startsWith("..") ? (rel.split("/")[0] ?? null) : null;
    out.push({ table, files, shown: listed });
  }
  return out;
}
