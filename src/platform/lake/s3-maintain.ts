/**
 * `ttapi lake prune` and `ttapi lake compact` on an `s3://` lake. A snapshot partition there is one object, so removing a
 * date is one DELETE per object (`date=…/part-0.parquet`, or each `date=…/time=HHMM/` object): a
 * reader sees the partition whole or not at all. `bars` (only when named): the bucket's bars are
 * brought into the local mirror, pruned there as on a local lake, and each changed symbol folder is
 * sent back as one object (a symbol left without bars is deleted from the bucket).
 *
 * Compact: a snapshot partition on S3 is already one object, so there is nothing to merge there.
 * `bars`: the bucket's bars are brought into the local working copy, compacted there with the local
 * code, and each symbol folder that was merged is published by the bars sync as ONE object (one
 * PUT; then stray keys another tool left in that folder are deleted): a reader sees that symbol's
 * old object or its new one, never a half-compacted symbol.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { usageError } from "../../core/errors.ts";
import { lakeJoin, polarsCloudOptions } from "../../core/lake-root.ts";
import { compactLake, type MaintainResult, pruneLake } from "./maintain.ts";
import { checkPartition } from "./paths.ts";
import { type BarsSyncSummary, syncBarsDown, syncBarsUp } from "./s3-bars.ts";
import { S3Store } from "./s3-store.ts";
import { listPartitions, listTableObjects } from "./scan.ts";
import { isSnapshotTable, type LakeTable, SNAPSHOT_TABLES } from "./tables.ts";

export async function pruneLakeS3(
  root: string,
  before: string,
  tables: readonly LakeTable[] | undefined,
  /** The local mirror of the bucket's bars (needed to prune `bars`). */
  mirror?: string,
): Promise<MaintainResult[]> {
  checkPartition({ date: before });
  const list = tables ?? SNAPSHOT_TABLES;
  const store = S3Store.of(root);
  const cloudOptions = polarsCloudOptions(root);
  const out: MaintainResult[] = [];
  if (list.includes("bars")) {
    if (!mirror) throw usageError("pruning an s3:// lake's bars needs a data directory for its mirror");
    await syncBarsDown(root, mirror);
    out.push(...pruneLake(mirror, before, ["bars"]));
    await syncBarsUp(mirror, root, { deleteMissing: true });
  }
  for (const table of list.filter(isSnapshotTable)) {
    const r: MaintainResult = { table, partitions: 0, rows: 0, bytes: 0 };
    const dates = new Set<string>();
    for (const o of await listTableObjects(root, table)) {
      const date = /^date=(\d{4}-\d\d-\d\d)\//.exec(o.relative)?.[1];
      if (!date || date >= before) continue;
      try {
        const lf = pl.scanParquet(lakeJoin(root, table, o.relative), {
          cloudOptions,
        } as Parameters<typeof pl.scanParquet>[1]);
        r.rows += Number((await lf.select(pl.len().alias("n")).collect()).getColumn("n").get(0));
      } catch {
        // an unreadable object is pruned all the same: it is being removed
      }
      await store.delete(o.key);
      r.bytes += o.size;
      dates.add(date);
    }
    r.partitions = dates.size;
    out.push(r);
  }
  return out;
}

export interface S3CompactResult {
  results: MaintainResult[];
  unreadable: string[];
  /** The bars sync that published the merged symbol folders (absent when bars were not asked for). */
  published?: BarsSyncSummary;
  /** Snapshot tables asked for: each is already one object per partition on S3. */
  alreadyOneObject: LakeTable[];
}

function parquetCount(dir: string): number {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".parquet") && !f.startsWith(".")).length;
  } catch {
    return 0;
  }
}

/**
 * Compact an `s3://` lake: bars through the local working copy (`workingCopy`, the run's
 * `<data-dir>/lake`), snapshot tables counted only (one object per partition already).
 */
export async function compactLakeS3(
  root: string,
  tables: readonly LakeTable[] | undefined,
  workingCopy: string,
): Promise<S3CompactResult> {
  const list = tables ?? (["bars", ...SNAPSHOT_TABLES] as LakeTable[]);
  const results: MaintainResult[] = [];
  let unreadable: string[] = [];
  let published: BarsSyncSummary | undefined;
  if (list.includes("bars")) {
    // Bring the bucket's latest first: a folder another tool left in several objects arrives as
    // several local parts, and we never publish a merge of stale local bars over newer ones.
    await syncBarsDown(root, workingCopy);
    const bars = join(workingCopy, "bars");
    const several = listPartitions(workingCopy, "bars").filter((rel) => parquetCount(join(bars, rel)) > 1);
    const c = compactLake(workingCopy, ["bars"]);
    unreadable = c.unreadable;
    results.push(...c.results);
    // Publish only the folders that were merged (an unreadable one stays as it is, named above).
    const merged = new Set(several.filter((rel) => parquetCount(join(bars, rel)) === 1));
    published = await syncBarsUp(workingCopy, root, { only: merged });
  }
  const alreadyOneObject = list.filter(isSnapshotTable);
  for (const table of alreadyOneObject) {
    const objects = await listTableObjects(root, table);
    results.push({
      table,
      partitions: 0,
      rows: 0,
      bytes: 0,
      filesBefore: objects.length,
      filesAfter: objects.length,
    });
  }
  return { results, unreadable, ...(published ? { published } : {}), alreadyOneObject };
}
