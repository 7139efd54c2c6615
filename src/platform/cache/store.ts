/**
 * The artifact store: every artifact `(kind, key)` lives in `<data>/artifacts/<kind>/<key>/` as
 * content-addressed data files (`<fingerprint>.parquet`, `.csv`, or a dataset folder
 * `v-<fingerprint>/`) plus `manifest.json`, the commit record. Freshness = valid files + TTL by
 * kind + unchanged inputs and parameters. Writes go through the background persist writer; the
 * manifest is replaced only after the data files are durable, then superseded versions are
 * deleted. A SIGKILL at any moment leaves the previous complete version or the new one.
 */

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { fsyncPath } from "../../core/atomic.ts";
import type { Compression } from "../../core/compression.ts";
import { dataError, ioError, toTTError } from "../../core/errors.ts";
import { getLogger } from "../../core/log.ts";
import { processAlive } from "../../core/process-alive.ts";
import type { PersistWriter } from "../persist/writer.ts";
import { frameFingerprint } from "./fingerprint.ts";
import {
  ARTIFACT_KINDS,
  type ArtifactKind,
  describeTtl,
  expiresAt,
  isArtifactKind,
  ttlPolicy,
} from "./kinds.ts";
import {
  type ArtifactFile,
  MANIFEST_FORMAT,
  type Manifest,
  readManifest,
  verifyFiles,
  writeManifest,
  writeManifestAsync,
} from "./manifest.ts";

export type ArtifactState = "fresh" | "stale" | "missing" | "invalid";

export interface ArtifactRef {
  kind: ArtifactKind;
  key: string;
}

export const artifactId = (ref: ArtifactRef): string => `${ref.kind}/${ref.key}`;

export function parseArtifactId(id: string): ArtifactRef | null {
  const i = id.indexOf("/");
  if (i < 0) return null;
  const kind = id.slice(0, i);
  return isArtifactKind(kind) ? { kind, key: id.slice(i + 1) } : null;
}

export interface CheckOptions {
  /** Current fingerprints of the inputs (by artifact id); undefined = that input does not exist. */
  inputs?: Record<string, string | undefined>;
  /** Current parameter fingerprint. */
  params?: string;
  /** A CSV mirror is wanted: an artifact without one is stale. */
  requireCsv?: boolean;
  /** Never stale by age: the parameters fingerprint the inputs' content (e.g. local files' sizes and mtimes). */
  ignoreTtl?: boolean;
}

export interface CheckResult {
  state: ArtifactState;
  reason: string;
  manifest: Manifest | null;
}

export interface PutOptions {
  inputs?: Record<string, string>;
  params?: string;
  meta?: Record<string, unknown>;
  csv?: boolean;
  /** File mode (0o600 for artifacts that hold a token). */
  mode?: number;
  /** Rewrite the data files even when identical content is already committed (`--force`). */
  rewrite?: boolean;
  /** When the data was taken (default: now), e.g. the moment the caller already reported. */
  createdAt?: number;
}

export interface Committed {
  fingerprint: string;
  rows: number;
  /** True when identical content was already on disk: only the manifest was refreshed. */
  unchanged: boolean;
  /** Resolves with the committed manifest once the data files are durable. */
  durable: Promise<Manifest>;
}

export interface StatusRow {
  id: string;
  kind: ArtifactKind;
  key: string;
  state: ArtifactState;
  reason: string;
  ageSeconds: number | null;
  ttl: string;
  expiresInSeconds: number | null;
  rows: number | null;
  bytes: number | null;
  fingerprint: string | null;
  created: string | null;
}

export type TtlConfig = Parameters<typeof ttlPolicy>[1];

export interface ArtifactStoreOptions {
  dataDir: string;
  config: TtlConfig;
  writer: PersistWriter;
  compression?: Compression;
  now?: () => number;
}

const log = getLogger("cache");
let stagingSeq = 0;

/**
 * A version's manifest: what was stored (files, rows, fingerprint), from what (inputs, parameters)
 * and when: one clock reading for `createdAt` and `createdIso`, the caller's when it gives one.
 */
function newManifest(
  ref: ArtifactRef,
  out: { fingerprint: string; rows: number; meta?: Record<string, unknown> },
  opts: Pick<PutOptions, "inputs" | "params" | "meta">,
  files: ArtifactFile[],
  createdAt: number,
): Manifest {
  return {
    format: MANIFEST_FORMAT,
    kind: ref.kind,
    key: ref.key,
    fingerprint: out.fingerprint,
    inputs: opts.inputs ?? {},
    params: opts.params ?? "",
    createdAt,
    createdIso: new Date(createdAt).toISOString(),
    rows: out.rows,
    files,
    meta: { ...opts.meta, ...out.meta },
  };
}

export class ArtifactStore {
  readonly root: string;
  private readonly config: TtlConfig;
  private readonly writer: PersistWriter;
  private readonly compression: Compression;
  private readonly now: () => number;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly failures: { id: string; error: string }[] = [];

  constructor(opts: ArtifactStoreOptions) {
    this.root = join(opts.dataDir, "artifacts");
    this.config = opts.config;
    this.writer = opts.writer;
    this.compression = opts.compression ?? "zstd";
    this.now = opts.now ?? Date.now;
  }

  /** The store's clock (epoch ms): what `createdAt` and TTL checks use. */
  clock(): number {
    return this.now();
  }

  dirOf(ref: ArtifactRef): string {
    return join(this.root, ref.kind, encodeURIComponent(ref.key));
  }

  /** The committed manifest if it is readable and its files are all there; else null. */
  manifest(ref: ArtifactRef): Manifest | null {
    const r = readManifest(this.dirOf(ref));
    if (!r.ok) return null;
    return verifyFiles(this.dirOf(ref), r.manifest) === null ? r.manifest : null;
  }

  expiry(ref: ArtifactRef, m: Manifest): number | null {
    return expiresAt(ttlPolicy(ref.kind, this.config), m.createdAt);
  }

  /** Can the stored version be reused in this run? */
  check(ref: ArtifactRef, opts: CheckOptions = {}): CheckResult {
    const dir = this.dirOf(ref);
    const r = readManifest(dir);
    if (!r.ok) return { state: r.missing ? "missing" : "invalid", reason: r.reason, manifest: null };
    const m = r.manifest;
    const bad = verifyFiles(dir, m);
    if (bad) return { state: "invalid", reason: bad, manifest: null };
    const exp = this.expiry(ref, m);
    if (!opts.ignoreTtl && exp !== null && this.now() >= exp)
      return { state: "stale", reason: "expired", manifest: m };
    if (opts.params !== undefined && opts.params !== m.params)
      return { state: "stale", reason: "parameters changed", manifest: m };
    for (const [id, fp] of Object.entries(opts.inputs ?? {})) {
      if (fp === undefined) return { state: "stale", reason: `input ${id} missing`, manifest: m };
      if (m.inputs[id] !== fp) return { state: "stale", reason: `input ${id} changed`, manifest: m };
    }
    if (opts.requireCsv && !m.files.some((f) => f.format === "csv"))
      return { state: "stale", reason: "no CSV mirror", manifest: m };
    return { state: "fresh", reason: "fresh", manifest: m };
  }

  /**
   * Store a frame as the new version of an artifact. Returns as soon as the frame is serialized
   * and queued; `durable` resolves once files and manifest are committed.
   */
  async put(ref: ArtifactRef, df: pl.DataFrame, opts: PutOptions = {}): Promise<Committed> {
    const id = artifactId(ref);
    const dir = this.dirOf(ref);
    const fingerprint = frameFingerprint(df);
    const rows = df.height;
    const createdAt = opts.createdAt ?? this.now();
    const base = (files: ArtifactFile[]): Manifest =>
      newManifest(ref, { fingerprint, rows }, opts, files, createdAt);

    // Identical content already committed (and the wanted mirrors exist): refresh the manifest only.
    const prev = this.manifest(ref);
    if (
      !opts.rewrite &&
      prev &&
      prev.fingerprint === fingerprint &&
      (!opts.csv || prev.files.some((f) => f.format === "csv"))
    ) {
      const m = base(prev.files);
      writeManifest(dir, m);
      return { fingerprint, rows, unchanged: true, durable: Promise.resolve(m) };
    }

    await this.writer.capacity();
    const ipc = df.writeIPC();
    const durable = this.writer
      .write({
        dir,
        name: fingerprint,
        ipc,
        compression: this.compression,
        csv: opts.csv ?? false,
        mode: opts.mode,
      })
      .then((written) => {
        const files: ArtifactFile[] = written.map((f) => ({
          path: f.path.slice(dir.length + 1),
          format: f.format,
          bytes: f.bytes,
        }));
        const m = base(files);
        // Synchronous: the manifest is committed by the time the writer's job settles
        // (`PersistWriter.close()` promises that).
        writeManifest(dir, m);
        this.collectGarbage(ref, m);
        return m;
      });
    this.track(id, durable);
    return { fingerprint, rows, unchanged: false, durable };
  }

  /**
   * Store a dataset folder produced by someone else (e.g. the import engine writing a partitioned
   * bars dataset): `produce(stagingDir)` fills a private staging folder and returns the row count
   * and content fingerprint; the folder is renamed into place and the manifest committed.
   */
  async putDataset(
    ref: ArtifactRef,
    produce: (
      stagingDir: string,
    ) => Promise<{ rows: number; fingerprint: string; meta?: Record<string, unknown> }>,
    opts: Omit<PutOptions, "csv" | "mode" | "rewrite"> = {},
  ): Promise<Manifest> {
    const dir = this.dirOf(ref);
    mkdirSync(dir, { recursive: true });
    const staging = join(dir, `.staging-${process.pid}-${++stagingSeq}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      const out = await produce(staging);
      const name = `v-${out.fingerprint}`;
      const final = join(dir, name);
      if (existsSync(final)) rmSync(staging, { recursive: true, force: true });
      else {
        fsyncTree(staging);
        renameSync(staging, final);
        fsyncPath(dir);
      }
      const files: ArtifactFile[] = [{ path: name, format: "dir", bytes: treeBytes(final) }];
      const m = newManifest(ref, out, opts, files, opts.createdAt ?? this.now());
      await writeManifestAsync(dir, m);
      this.collectGarbage(ref, m);
      return m;
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw toTTError(e, "E_IO", `storing ${artifactId(ref)}`);
    }
  }

  /**
   * Commit a manifest for data that lives outside the cache (the lake's `bars` table): no files of
   * its own, so the fingerprint and `meta` describe it; superseded cache versions are removed.
   */
  commitExternal(
    ref: ArtifactRef,
    out: { rows: number; fingerprint: string; meta?: Record<string, unknown> },
    opts: Omit<PutOptions, "csv" | "mode" | "rewrite"> = {},
  ): Manifest {
    const dir = this.dirOf(ref);
    mkdirSync(dir, { recursive: true });
    const m = newManifest(ref, out, opts, [], opts.createdAt ?? this.now());
    writeManifest(dir, m);
    this.collectGarbage(ref, m);
    return m;
  }

  /** Absolute path of an artifact's file of a format (parquet by default). */
  filePath(ref: ArtifactRef, m: Manifest, format: ArtifactFile["format"] = "parquet"): string {
    const f = m.files.find((x) => x.format === format);
    if (!f)
      throw dataError(`${artifactId(ref)} has no ${format} file`, {
        hint: "run `ttapi run --force` to rebuild it",
      });
    return join(this.dirOf(ref), f.path);
  }

  readFrame(ref: ArtifactRef, m?: Manifest): pl.DataFrame {
    const man = m ?? this.manifest(ref);
    if (!man)
      throw dataError(`artifact ${artifactId(ref)} is missing or invalid`, {
        hint: "run `ttapi run` to rebuild it",
      });
    try {
      return pl.readParquet(this.filePath(ref, man));
    } catch (e) {
      throw ioError(`cannot read ${artifactId(ref)}: ${(e as Error).message}`, {
        cause: e,
        hint: "run `ttapi run --force` to rebuild it",
      });
    }
  }

  private track(id: string, p: Promise<unknown>): void {
    const tracked = p.then(
      () => undefined,
      (e) => {
        this.failures.push({ id, error: (e as Error)?.message ?? String(e) });
        log.error("persist failed", { artifact: id, error: (e as Error)?.message });
      },
    );
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  /** Wait until every queued write is committed; returns the writes that failed. */
  async flush(): Promise<{ id: string; error: string }[]> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    return this.failures.splice(0);
  }

  /** Delete superseded versions and leftovers of dead processes (temp files, staging folders). */
  collectGarbage(ref: ArtifactRef, m: Manifest): void {
    const dir = this.dirOf(ref);
    const keep = new Set(m.files.map((f) => f.path.split("/")[0]));
    keep.add("manifest.json");
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      if (keep.has(name)) continue;
      if (name.startsWith(".") && ownerAlive(name)) continue;
      let victim = join(dir, name);
      if (!name.startsWith(".")) {
        // Out of the way first (atomic), then deleted: a kill during a long recursive delete
        // leaves a hidden leftover (removed next time), never a half-deleted version folder under
        // its version name, which a later run with the same content would take as complete.
        const trash = join(dir, `.trash-${process.pid}-${name}`);
        try {
          renameSync(victim, trash);
          victim = trash;
        } catch {
          // already gone, or another process moved it: delete whatever is left under the name
        }
      }
      rmSync(victim, { recursive: true, force: true });
    }
  }

  /**
   * Every artifact on disk with its state, age and TTL; `expected` artifacts that are not on disk
   * at all are listed as missing (e.g. the pipeline's catalog after `cache clear chains`).
   */
  status(expected: readonly ArtifactRef[] = []): StatusRow[] {
    const rows: StatusRow[] = [];
    const now = this.now();
    const fingerprints = new Map<string, string>();
    const found: { ref: ArtifactRef; read: ReturnType<typeof readManifest> }[] = [];
    for (const kind of ARTIFACT_KINDS) {
      const kdir = join(this.root, kind);
      if (!existsSync(kdir)) continue;
      for (const enc of readdirSync(kdir).sort()) {
        if (enc.startsWith(".")) continue;
        const ref = { kind, key: decodeURIComponent(enc) };
        const read = readManifest(this.dirOf(ref));
        found.push({ ref, read });
        if (read.ok) fingerprints.set(artifactId(ref), read.manifest.fingerprint);
      }
    }
    const seen = new Set(found.map((f) => artifactId(f.ref)));
    for (const ref of expected)
      if (!seen.has(artifactId(ref)))
        found.push({ ref, read: { ok: false, reason: "never built", missing: true } });
    for (const { ref, read } of found) {
      const id = artifactId(ref);
      const ttl = describeTtl(ttlPolicy(ref.kind, this.config));
      if (!read.ok) {
        rows.push({
          id,
          ...ref,
          state: read.missing ? "missing" : "invalid",
          reason: read.reason,
          ageSeconds: null,
          ttl,
          expiresInSeconds: null,
          rows: null,
          bytes: null,
          fingerprint: null,
          created: null,
        });
        continue;
      }
      const m = read.manifest;
      const exp = this.expiry(ref, m);
      // The freshness rules are check()'s; status only supplies the inputs' current fingerprints.
      const inputs = Object.fromEntries(Object.keys(m.inputs).map((inId) => [inId, fingerprints.get(inId)]));
      const { state, reason } = this.check(ref, { inputs });
      rows.push({
        id,
        ...ref,
        state,
        reason,
        ageSeconds: (now - m.createdAt) / 1000,
        ttl,
        expiresInSeconds: exp === null ? null : (exp - now) / 1000,
        rows: m.rows,
        bytes: m.files.reduce((s, f) => s + f.bytes, 0),
        fingerprint: m.fingerprint,
        created: m.createdIso,
      });
    }
    return rows;
  }

  /** Remove every artifact of a kind (or all). Returns how many artifacts were removed. */
  clear(kind?: ArtifactKind): number {
    const kinds = kind ? [kind] : [...ARTIFACT_KINDS];
    let n = 0;
    for (const k of kinds) {
      const kdir = join(this.root, k);
      if (!existsSync(kdir)) continue;
      n += readdirSync(kdir).filter((e) => !e.startsWith(".")).length;
      rmSync(kdir, { recursive: true, force: true });
    }
    return n;
  }
}

/** Temp/staging names embed the writer's pid: leave them alone while that process lives. */
function ownerAlive(name: string): boolean {
  const m = /^\.(?:staging|trash)-(\d+)-|\.(\d+)\.[0-9a-z-]+\.tmp$/.exec(name);
  const pid = Number(m?.[1] ?? m?.[2]);
  return pid !== process.pid && processAlive(pid);
}

function fsyncTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) fsyncTree(p);
    else fsyncPath(p);
  }
  fsyncPath(dir);
}

function treeBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? treeBytes(p) : statSync(p).size;
  }
  return n;
}
