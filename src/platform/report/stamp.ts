/**
 * Whether the end-of-run report is still current: a stamp of the lake's partition folders (name
 * and modification time of every table, date, time, period and symbol folder) plus the ttapi
 * version. A partition is replaced by renaming a file into its folder, which changes the folder's
 * mtime, so folders alone tell a changed lake from an unchanged one — without opening or stat-ing
 * the (many) data files. A `ttapi run --cached` that changed nothing then costs no report.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../../core/version.ts";
import { isS3Root, LAKE_TABLES, listPartitions, objectTag, partitionFiles } from "../lake/index.ts";

/** Partition folders nest at most three deep (`bars/period=D/symbol=X`, `t/date=…/time=…`). */
const DEPTH = 3;

export function lakeStamp(root: string, options: unknown): string {
  const h = createHash("sha1");
  h.update(`ttapi ${VERSION}\n${JSON.stringify(options)}\n`);
  if (isS3Root(root)) {
    // An s3:// lake: every object's key and ETag, from the listing primed before the report.
    for (const table of LAKE_TABLES)
      for (const part of listPartitions(root, table))
        for (const f of partitionFiles(root, table, part)) h.update(`${f}\t${objectTag(root, table, f)}\n`);
    return h.digest("hex");
  }
  const walk = (dir: string, depth: number) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!e.isDirectory() || e.name.startsWith(".")) continue;
      const p = join(dir, e.name);
      h.update(`${p}\t${statSync(p).mtimeMs}\n`);
      if (depth < DEPTH) walk(p, depth + 1);
    }
  };
  walk(root, 1);
  return h.digest("hex");
}

/** The stamp file kept beside a report. */
export function stampPath(reportFile: string): string {
  return join(reportFile, "..", `.${reportFile.split(/[\\/]/).pop()}.stamp`);
}

export interface StampRecord<T> {
  stamp: string;
  result: T;
}

/** The recorded result of the report this stamp made, when the report is still current. */
export function currentResult<T>(reportFile: string, stamp: string): T | null {
  const p = stampPath(reportFile);
  if (!existsSync(reportFile) || !existsSync(p)) return null;
  try {
    const rec = JSON.parse(readFileSync(p, "utf8")) as StampRecord<T>;
    return rec.stamp === stamp ? rec.result : null;
  } catch {
    return null; // unreadable stamp: regenerate
  }
}
