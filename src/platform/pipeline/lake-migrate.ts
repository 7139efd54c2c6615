/**
 * Moving a data directory of an earlier version to the lake, on first use. Before the lake, a run
 * kept one version of every artifact under `artifacts/` (bars in a `v-<hash>/` folder); that data
 * is what such a user has, so none of it may be lost:
 * - the merged bars dataset joins `lake/bars/` (hard links: no copy, no rewrite);
 * - every snapshot artifact (chains, metrics, quotes, positions, balances, statistics, IV vs HV,
 *   expected moves) becomes the lake partition of the trading date it was taken on, with
 *   `snapshot_time` = when it was made; a partition the lake already has is never overwritten.
 * The cache manifests stay where they are (cache metadata), so the next `--cached` run still reuses
 * what is fresh. `lake/.ttapi-lake.json` records that the migration is done; a migration killed
 * half-way simply runs again (each step is idempotent).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { atomicWriteFileSync } from "../../core/atomic.ts";
import { ioError } from "../../core/errors.ts";
import { getLogger } from "../../core/log.ts";
import { readManifest, verifyFiles } from "../cache/manifest.ts";
import { type ArtifactRef, artifactId } from "../cache/store.ts";
import { publishBars } from "../lake/bars.ts";
import { snapshotDate } from "../lake/calendar.ts";
import { lakeRoot, partitionFile } from "../lake/paths.ts";
import type { SnapshotTable } from "../lake/tables.ts";
import { writePartition } from "../lake/write.ts";
import type { ArtifactValue } from "./artifact-task.ts";
import { SNAPSHOT_SOURCES } from "./lake-frames.ts";
import { snapshotFrame } from "./lake-step.ts";

const log = getLogger("lake");
export const LAKE_MARKER = ".ttapi-lake.json";

/** The artifact each snapshot table came from in the `artifacts/` layout. */
const OLD_REFS: Record<string, ArtifactRef> = {
  chains: { kind: "chains", key: "chains" },
  metrics: { kind: "metrics", key: "metrics" },
  quotes: { kind: "quotes", key: "quotes" },
  positions: { kind: "accounts", key: "positions" },
  balances: { kind: "accounts", key: "balances" },
  volatility: { kind: "stats", key: "volatility" },
  iv_hv: { kind: "stats", key: "iv-hv" },
  expected_moves: { kind: "stats", key: "expected-moves" },
};

export interface MigrationReport {
  migrated: boolean;
  tables: { table: SnapshotTable; date: string; rows: number }[];
  barsRows: number;
  problems: string[];
}

function artifactDir(dataDir: string, ref: ArtifactRef): string {
  return join(dataDir, "artifacts", ref.kind, encodeURIComponent(ref.key));
}

/** Whether the data directory's lake is already in the current layout (or there is nothing to move). */
export function lakeMigrated(dataDir: string): boolean {
  return existsSync(join(lakeRoot(dataDir), LAKE_MARKER));
}

export async function migrateDataDir(dataDir: string, _config?: unknown): Promise<MigrationReport> {
  if (lakeMigrated(dataDir) || !existsSync(join(dataDir, "artifacts")))
    return { migrated: false, tables: [], barsRows: 0, problems: [] };
  try {
    return await migrate(dataDir);
  } catch (e) {
    // Nothing was deleted: the old artifacts stay until a migration has copied them.
    throw ioError(
      `cannot move ${join(dataDir, "artifacts")} to the lake: ${(e as Error).message.split("\n")[0]}`,
      {
        cause: e,
        hint: "free disk space or fix permissions, then run again (nothing was deleted)",
      },
    );
  }
}

async function migrate(dataDir: string): Promise<MigrationReport> {
  const root = lakeRoot(dataDir);
  const report: MigrationReport = { migrated: false, tables: [], barsRows: 0, problems: [] };
  if (lakeMigrated(dataDir)) return report;
  const marker = (extra: Record<string, unknown>) =>
    atomicWriteFileSync(
      join(root, LAKE_MARKER),
      `${JSON.stringify({ format: 1, createdIso: new Date().toISOString(), ...extra }, null, 2)}\n`,
    );
  // Nothing of an earlier version here (a new or foreign directory): leave it untouched.
  if (!existsSync(join(dataDir, "artifacts"))) return report;

  // Bars: the old merged dataset (or, failing that, the imported MetaStock one) joins lake/bars.
  for (const ref of [
    { kind: "eod", key: "bars" },
    { kind: "eod", key: "metastock" },
  ] as ArtifactRef[]) {
    const dir = artifactDir(dataDir, ref);
    const r = readManifest(dir);
    if (!r.ok || r.manifest.meta.lake) continue;
    const ds = r.manifest.files.find((f) => f.format === "dir");
    if (!ds || verifyFiles(dir, r.manifest)) continue;
    const pub = await publishBars(root, join(dir, ds.path), { compression: "zstd" });
    report.barsRows += pub.appended + pub.replaced;
    break;
  }

  // Snapshots: each old artifact becomes the partition of the trading date it was taken on.
  for (const { table } of SNAPSHOT_SOURCES) {
    const ref = OLD_REFS[table];
    if (!ref) continue;
    const dir = artifactDir(dataDir, ref);
    const r = readManifest(dir);
    if (!r.ok) continue;
    const m = r.manifest;
    const bad = verifyFiles(dir, m);
    if (bad) {
      report.problems.push(`${artifactId(ref)}: ${bad} (not migrated)`);
      continue;
    }
    const date = snapshotDate(new Date(m.createdAt));
    if (existsSync(partitionFile(root, table, { date }))) continue;
    const pq = m.files.find((f) => f.format === "parquet");
    const ds = m.files.find((f) => f.format === "dir");
    const value = {
      ref,
      id: artifactId(ref),
      fingerprint: m.fingerprint,
      fingerprints: {},
      rows: m.rows,
      createdAt: m.createdAt,
      meta: m.meta,
      frame: () => pl.readParquet(join(dir, pq!.path)),
      dir: ds ? join(dir, ds.path) : undefined,
      extra: () => pl.DataFrame({}),
    } satisfies ArtifactValue;
    if (table === "volatility" ? !ds || m.rows === 0 : !pq) continue;
    try {
      const mode = SNAPSHOT_SOURCES.find((s) => s.table === table)?.mode;
      const frame = snapshotFrame(table, value, date);
      if (!frame) continue;
      const w = await writePartition(root, table, { date }, frame, { ...(mode ? { mode } : {}) });
      report.tables.push({ table, date, rows: w.rows });
    } catch (e) {
      report.problems.push(`${artifactId(ref)}: ${(e as Error).message.split("\n")[0]} (not migrated)`);
    }
  }
  report.migrated = true;
  if (report.problems.length > 0)
    for (const p of report.problems) log.warn(`migrating ${dataDir} to the lake: ${p}`);
  log.info("migrated the data directory to the lake", {
    tables: report.tables.length,
    barsRows: report.barsRows,
  });
  marker({
    migratedFrom: "artifacts",
    tables: report.tables,
    barsRows: report.barsRows,
    problems: report.problems,
  });
  return report;
}

/**
 * Where `ttapi stats` finds bars for a data directory: a dataset root with its own `bars/` (an
 * import's `--out`) as given, otherwise the directory's lake, migrated first if it is of an
 * earlier version.
 */
export async function barsSource(dataDir: string): Promise<string> {
  if (existsSync(join(dataDir, "bars"))) return dataDir;
  await migrateDataDir(dataDir);
  return lakeRoot(dataDir);
}
