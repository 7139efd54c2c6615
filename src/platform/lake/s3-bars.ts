/**
 * The `bars` table on an `s3://` root. Locally a symbol folder (`bars/period=P/symbol=S/`) grows
 * by appended parts and is replaced by folder swaps; an object store has neither rename nor a way
 * to replace several objects at once. So on S3 every symbol folder is exactly ONE object,
 * `bars/period=P/symbol=S/part-0.parquet`, replaced by one PUT: a reader sees the symbol's old
 * bars or its new ones, never a mix.
 *
 * ttapi builds bars in a local working copy (the pipeline's `<data-dir>/lake`, or a mirror folder
 * for `import --out s3://…` and `stats`) and synchronises it with the bucket:
 *  - `syncBarsUp`: each local folder changed since the last sync becomes one object (its parts
 *    merged), then stray keys of that folder (other writers' part names) are deleted;
 *  - `syncBarsDown`: each object whose ETag changed since the last sync replaces the local folder
 *    (a folder swap), so updates another machine made are picked up before we build on them.
 * A record (`.s3-sync.json` in the working copy) keeps each folder's ETag and local signature.
 * Two machines updating the same symbol at once: the last complete PUT wins (documented).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import pLimit from "p-limit";
import { atomicWriteFileSync } from "../../core/atomic.ts";
import { lakeJoin } from "../../core/lake-root.ts";
import { S3Store } from "./s3-store.ts";
import { listPartitions } from "./scan.ts";
import { finishWork, newBuildDir, recoverSwaps, removeFolder, swapIn } from "./swap.ts";

export const SYNC_RECORD = ".s3-sync.json";
const PART = "part-0.parquet";
const SYMBOL_FOLDER = /^period=[^/]+\/symbol=[^/]+$/;

interface FolderRecord {
  /** ETag of the folder's object on S3 after our last PUT or GET. */
  etag: string;
  /** The local folder's signature (names, sizes, mtimes) at that moment. */
  local: string;
}
type SyncRecord = Record<string, FolderRecord>;

export interface BarsSyncSummary {
  /** Folders sent (up) or fetched (down). */
  folders: number;
  objects: number;
  bytes: number;
  /** Stray objects deleted on S3 (up) or local folders removed (down, gone from S3). */
  removed: number;
  /** Folders already in sync. */
  unchanged: number;
  requests: number;
}

function readRecord(localRoot: string, s3Root: string): SyncRecord {
  try {
    const all = JSON.parse(readFileSync(join(localRoot, SYNC_RECORD), "utf8")) as Record<string, SyncRecord>;
    return all[s3Root] ?? {};
  } catch {
    return {}; // no record: every folder is compared once more, nothing is lost
  }
}

function writeRecord(localRoot: string, s3Root: string, rec: SyncRecord): void {
  let all: Record<string, SyncRecord> = {};
  try {
    all = JSON.parse(readFileSync(join(localRoot, SYNC_RECORD), "utf8")) as Record<string, SyncRecord>;
  } catch {
    // first sync
  }
  all[s3Root] = rec;
  mkdirSync(localRoot, { recursive: true });
  atomicWriteFileSync(join(localRoot, SYNC_RECORD), `${JSON.stringify(all)}\n`);
}

function folderSignature(dir: string): string {
  if (!existsSync(dir)) return "";
  return readdirSync(dir)
    .filter((f) => f.endsWith(".parquet") && !f.startsWith("."))
    .sort()
    .map((f) => {
      const st = statSync(join(dir, f));
      return `${f}:${st.size}:${Math.floor(st.mtimeMs)}`;
    })
    .join("|");
}

/** A local symbol folder's parts as one Parquet object, sorted by date and time. */
function mergedFolder(dir: string): Uint8Array {
  const df = pl.scanParquet(join(dir, "*.parquet")).sort(["date", "time"]).collectSync();
  return new Uint8Array(df.writeParquet({ compression: "zstd" }));
}

/** Send every local bars folder changed since the last sync (`only`: these folders, if given). */
export async function syncBarsUp(
  localRoot: string,
  s3Root: string,
  opts: { only?: ReadonlySet<string>; concurrency?: number; deleteMissing?: boolean } = {},
): Promise<BarsSyncSummary> {
  const store = S3Store.of(s3Root);
  const req0 = store.counters.requests;
  const rec = readRecord(localRoot, s3Root);
  const out: BarsSyncSummary = { folders: 0, objects: 0, bytes: 0, removed: 0, unchanged: 0, requests: 0 };
  const limit = pLimit(opts.concurrency ?? 8);
  const barsPrefix = `${store.keyOf(lakeJoin(s3Root, "bars"))}/`;
  // Symbol folders with data only (a pruned lake may leave an empty `period=D/` behind).
  const localFolders = () =>
    listPartitions(localRoot, "bars").filter(
      (rel) => SYMBOL_FOLDER.test(rel) && folderSignature(join(localRoot, "bars", rel)) !== "",
    );
  await Promise.all(
    localFolders()
      .filter((rel) => !opts.only || opts.only.has(rel))
      .map((rel) =>
        limit(async () => {
          const dir = join(localRoot, "bars", rel);
          const sig = folderSignature(dir);
          if (rec[rel]?.local === sig) {
            out.unchanged++;
            return;
          }
          const body = mergedFolder(dir);
          const key = `${barsPrefix}${rel}/${PART}`;
          await store.put(key, body);
          // Other writers' part names in this folder would double its rows: remove them.
          for (const o of await store.list(`${barsPrefix}${rel}/`))
            if (o.key !== key) {
              await store.delete(o.key);
              out.removed++;
            }
          const st = await store.stat(key);
          rec[rel] = { etag: st?.etag ?? "", local: sig };
          out.folders++;
          out.objects++;
          out.bytes += body.byteLength;
        }),
      ),
  );
  if (opts.deleteMissing) {
    // A replacing import: symbol folders the new dataset does not have leave the bucket too.
    const local = new Set(localFolders());
    for (const o of await store.list(barsPrefix)) {
      const folder = o.key.slice(barsPrefix.length).split("/").slice(0, -1).join("/");
      if (local.has(folder)) continue;
      await store.delete(o.key);
      delete rec[folder];
      out.removed++;
    }
  }
  writeRecord(localRoot, s3Root, rec);
  out.requests = store.counters.requests - req0;
  return out;
}

/**
 * Make the local working copy's bars match the bucket (`symbols`: only these symbols' folders).
 * Objects unchanged since the last sync are not fetched.
 */
export async function syncBarsDown(
  s3Root: string,
  localRoot: string,
  opts: { symbols?: ReadonlySet<string>; concurrency?: number } = {},
): Promise<BarsSyncSummary> {
  const store = S3Store.of(s3Root);
  const req0 = store.counters.requests;
  const rec = readRecord(localRoot, s3Root);
  const out: BarsSyncSummary = { folders: 0, objects: 0, bytes: 0, removed: 0, unchanged: 0, requests: 0 };
  const barsPrefix = `${store.keyOf(lakeJoin(s3Root, "bars"))}/`;
  const folders = new Map<string, { key: string; etag: string }[]>();
  for (const o of await store.list(barsPrefix)) {
    const rel = o.key.slice(barsPrefix.length);
    const segs = rel.split("/");
    if (!rel.endsWith(".parquet") || segs.some((s) => s.startsWith(".") || s.startsWith("_"))) continue;
    const folder = segs.slice(0, -1).join("/");
    if (!SYMBOL_FOLDER.test(folder)) continue;
    if (opts.symbols && !opts.symbols.has(folder.split("symbol=")[1]!)) continue;
    const list = folders.get(folder) ?? [];
    list.push({ key: o.key, etag: o.etag });
    folders.set(folder, list);
  }
  mkdirSync(localRoot, { recursive: true });
  recoverSwaps(localRoot);
  const limit = pLimit(opts.concurrency ?? 8);
  try {
    await Promise.all(
      [...folders].map(([rel, objects]) =>
        limit(async () => {
          const etag = objects.map((o) => o.etag).join(",");
          const dir = join(localRoot, "bars", rel);
          if (rec[rel]?.etag === etag && rec[rel]?.local === folderSignature(dir)) {
            out.unchanged++;
            return;
          }
          const build = newBuildDir(localRoot);
          for (const [i, o] of objects.entries()) {
            const bytes = await store.get(o.key);
            writeFileSync(join(build, objects.length === 1 ? PART : `part-${i}.parquet`), bytes);
            out.objects++;
            out.bytes += bytes.byteLength;
          }
          swapIn(localRoot, build, dir);
          rec[rel] = { etag, local: folderSignature(dir) };
          out.folders++;
        }),
      ),
    );
    // Folders we fetched before that are gone from the bucket (pruned there): gone here too.
    for (const rel of Object.keys(rec)) {
      if (folders.has(rel)) continue;
      if (opts.symbols && !opts.symbols.has(rel.split("symbol=")[1] ?? "")) continue;
      const dir = join(localRoot, "bars", rel);
      if (existsSync(dir) && rec[rel]!.local === folderSignature(dir)) {
        removeFolder(localRoot, dir);
        out.removed++;
      }
      delete rec[rel];
    }
  } finally {
    finishWork(localRoot);
  }
  writeRecord(localRoot, s3Root, rec);
  out.requests = store.counters.requests - req0;
  return out;
}

/** The local working copy (mirror) of an `s3://` lake inside a data directory. */
export function s3MirrorDir(dataDir: string, s3Root: string): string {
  return join(dataDir, "s3-mirror", s3Root.slice("s3://".length).replace(/[^A-Za-z0-9._=/-]/g, "_"));
}
