/**
 * `ttapi lake prune` on an `s3://` lake. A snapshot partition there is one object, so removing a
 * date is one DELETE per object (`date=…/part-0.parquet`, or each `date=…/time=HHMM/` object): a
 * reader sees the partition whole or not at all. `bars` (only when named): the bucket's bars are
 * brought into the local mirror, pruned there as on a local lake, and each changed symbol folder is
 * sent back as one object (a symbol left without bars is deleted from the bucket).
 */
import pl from "nodejs-polars";
import { usageError } from "../../core/errors.ts";
import { lakeJoin, polarsCloudOptions } from "../../core/lake-root.ts";
import { type MaintainResult, pruneLake } from "./maintain.ts";
import { checkPartition } from "./paths.ts";
import { syncBarsDown, syncBarsUp } from "./s3-bars.ts";
import { S3Store } from "./s3-store.ts";
import { listTableObjects } from "./scan.ts";
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
