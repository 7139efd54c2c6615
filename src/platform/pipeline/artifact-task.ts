/**
 * A pipeline task that produces one cached artifact. The wrapper owns the cache decision so every
 * task behaves the same: with `--cached` and without `--force`, a stored version is reused when it
 * is fresh by TTL, its parameters are unchanged and every input's fingerprint equals the one it was
 * built from (an artifact stored as degraded is never reused); otherwise the task computes, the
 * frame is queued to the background writer, and dependents start at once with the in-memory value.
 */
import type pl from "nodejs-polars";
import type { Config } from "../../core/config.ts";
import { internalError, isAbortError, toTTError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { formatDuration } from "../../core/time.ts";
import { paramsFingerprint } from "../cache/fingerprint.ts";
import type { Manifest } from "../cache/manifest.ts";
import { type ArtifactRef, type ArtifactStore, artifactId } from "../cache/store.ts";
import { lakeRoot } from "../lake/paths.ts";
import type { StageId, TaskContext, TaskDef, TaskResult } from "./graph.ts";

export interface RunEnv {
  config: Config;
  dataDir: string;
  store: ArtifactStore;
  /** Reuse fresh artifacts. */
  cached: boolean;
  /** Recompute and rewrite everything. */
  force: boolean;
  csv: boolean;
  log: Logger;
}

/** What a task hands to its dependents: the artifact's identity, fingerprint and (lazily) its data. */
export interface ArtifactValue {
  ref: ArtifactRef;
  id: string;
  fingerprint: string;
  /** Fingerprint of every stored table (main and companions) by artifact id: what dependents record. */
  fingerprints: Record<string, string>;
  rows: number;
  /** When the data was taken (epoch ms on the run's clock): a lake row's `snapshot_time`. */
  createdAt: number;
  meta: Record<string, unknown>;
  /** The data as a frame (in memory when computed in this run, read from Parquet when cached). */
  frame(): pl.DataFrame;
  /** For dataset artifacts: the folder holding `bars/**`. */
  dir?: string;
  /** Companion tables stored beside the main one (e.g. per-expiration IVs next to the metrics). */
  extra(name: string): pl.DataFrame;
}

export function isArtifactValue(v: unknown): v is ArtifactValue {
  return typeof v === "object" && v !== null && "fingerprint" in v && "ref" in v;
}

export type Computed =
  | {
      frame: pl.DataFrame;
      /** Companion tables, stored as artifacts `<kind>/<key>.<name>` with the same inputs. */
      extras?: Record<string, pl.DataFrame>;
      count?: number;
      degraded?: string;
      meta?: Record<string, unknown>;
    }
  | { manifest: Manifest; count?: number; degraded?: string };

export interface ArtifactTaskSpec {
  id: string;
  stage: StageId;
  label: string;
  deps: readonly string[];
  /**
   * Dependencies that are means, not data (e.g. the quote token used to connect): they must be
   * ready first, but their fingerprints do not make this artifact stale.
   */
  untracked?: readonly string[];
  /** Inputs the artifact can be built without (see TaskDef.optional); it is then degraded. */
  optional?: readonly string[];
  ref: ArtifactRef;
  unit?: string;
  /** The artifact is a dataset folder (stored with `putDataset`); it has no CSV mirror of its own. */
  dataset?: boolean;
  /** File mode for the data files (0o600 for accounts and tokens). */
  mode?: number;
  /** Parameters that change the result (symbols, windows…), besides the inputs. */
  params?: (ctx: TaskContext) => unknown;
  compute(ctx: TaskContext, io: { params: string; inputs: Record<string, string> }): Promise<Computed>;
  /** Names of the companion tables `compute` returns (checked and reused together with the main one). */
  extras?: readonly string[];
  /** The count a reused version reports (default: its row count), so cached and fresh runs agree. */
  cachedCount?: (m: Manifest) => number;
  /**
   * With `--cached`, when computing fails (API down, threshold exceeded) and a stale but intact
   * version exists, use it and report the task degraded instead of failed. For network data only.
   */
  staleIfError?: boolean;
  /**
   * An extra freshness check of a stored version (e.g. that the lake folder it describes was not
   * changed by someone else since): a reason makes the task recompute, null keeps it.
   */
  validate?: (m: Manifest) => string | null;
  /**
   * Reusable whatever its age while inputs and parameters are unchanged: for local data whose
   * parameters fingerprint it (the MetaStock files' paths, sizes and mtimes), where a TTL would
   * only re-import the same files every day.
   */
  ignoreTtl?: boolean;
  /** Called when a cached version is reused (e.g. to register a stored token as a secret). */
  onReuse?: (v: ArtifactValue) => void;
}

export const extraRef = (ref: ArtifactRef, name: string): ArtifactRef => ({
  kind: ref.kind,
  key: `${ref.key}.${name}`,
});

/**
 * Where a dataset artifact's data lives when it is not a cache folder: the lake (`meta.lake`),
 * e.g. the merged bars, which are the lake's `bars` table itself.
 */
function datasetDir(env: RunEnv, m: Manifest): string | undefined {
  return m.meta.lake === "bars" ? lakeRoot(env.dataDir) : undefined;
}

function valueFromManifest(
  env: RunEnv,
  ref: ArtifactRef,
  m: Manifest,
  extras: readonly { name: string; m: Manifest }[] = [],
): ArtifactValue {
  let cached: pl.DataFrame | undefined;
  const extraFrames = new Map<string, pl.DataFrame>();
  const dirFile = m.files.find((f) => f.format === "dir");
  return {
    ref,
    id: artifactId(ref),
    fingerprint: m.fingerprint,
    fingerprints: Object.fromEntries([
      [artifactId(ref), m.fingerprint],
      ...extras.map((x) => [artifactId(extraRef(ref, x.name)), x.m.fingerprint]),
    ]),
    rows: m.rows,
    createdAt: m.createdAt,
    meta: m.meta,
    frame: () => {
      cached ??= env.store.readFrame(ref, m);
      return cached;
    },
    dir: dirFile ? `${env.store.dirOf(ref)}/${dirFile.path}` : datasetDir(env, m),
    extra: (name) => {
      let f = extraFrames.get(name);
      if (!f) {
        const x = extras.find((e) => e.name === name);
        if (!x) throw internalError(`artifact ${artifactId(ref)} has no companion table "${name}"`);
        f = env.store.readFrame(extraRef(ref, name), x.m);
        extraFrames.set(name, f);
      }
      return f;
    },
  };
}

export function artifactTask(env: RunEnv, spec: ArtifactTaskSpec): TaskDef<ArtifactValue> {
  return {
    id: spec.id,
    stage: spec.stage,
    label: spec.label,
    deps: spec.deps,
    ...(spec.optional ? { optional: spec.optional } : {}),
    run: async (ctx): Promise<TaskResult<ArtifactValue>> => {
      const inputs: Record<string, string> = {};
      for (const d of spec.deps) {
        if (spec.untracked?.includes(d)) continue;
        // Built without it: recorded, so the version is stale once the input is there again.
        if (ctx.failed(d) !== null) {
          inputs[`missing:${d}`] = "missing";
          continue;
        }
        const v = ctx.input<unknown>(d);
        if (isArtifactValue(v)) Object.assign(inputs, v.fingerprints);
      }
      const params = paramsFingerprint(spec.params ? spec.params(ctx) : null);
      const unit = spec.unit ?? "rows";
      let stale: { m: Manifest; extras: { name: string; m: Manifest }[] } | null = null;

      if (env.cached && !env.force) {
        const opts = { inputs, params, requireCsv: env.csv && !spec.dataset, ignoreTtl: spec.ignoreTtl };
        const chk = env.store.check(spec.ref, opts);
        const extras = (spec.extras ?? []).map((name) => ({
          name,
          chk: env.store.check(extraRef(spec.ref, name), opts),
        }));
        const allFresh = chk.state === "fresh" && extras.every((x) => x.chk.state === "fresh");
        const invalid = allFresh && chk.manifest && spec.validate ? spec.validate(chk.manifest) : null;
        if (invalid) env.log.debug("recompute", { artifact: artifactId(spec.ref), reason: invalid });
        if (allFresh && !invalid && chk.manifest && !chk.manifest.meta.degraded) {
          const value = valueFromManifest(
            env,
            spec.ref,
            chk.manifest,
            extras.map((x) => ({ name: x.name, m: x.chk.manifest! })),
          );
          spec.onReuse?.(value);
          const count = spec.cachedCount ? spec.cachedCount(chk.manifest) : chk.manifest.rows;
          return { value, count, unit, cached: true };
        }
        env.log.debug("recompute", { artifact: artifactId(spec.ref), state: chk.state, reason: chk.reason });
        if (
          spec.staleIfError &&
          chk.state === "stale" &&
          chk.manifest &&
          extras.every((x) => x.chk.manifest)
        ) {
          stale = {
            m: chk.manifest,
            extras: extras.map((x) => ({ name: x.name, m: x.chk.manifest! })),
          };
        }
      }

      let out: Computed;
      try {
        out = await spec.compute(ctx, { params, inputs });
      } catch (e) {
        // A cron run that cannot reach the API keeps going on the last good data, flagged degraded.
        if (!stale || isAbortError(e) || ctx.signal.aborted) throw e;
        const age = formatDuration((Date.now() - stale.m.createdAt) / 1000);
        const reason = toTTError(e).message;
        env.log.warn(`${spec.label}: using the stored version from ${age} ago`, {
          artifact: artifactId(spec.ref),
          error: reason,
        });
        const value = valueFromManifest(env, spec.ref, stale.m, stale.extras);
        spec.onReuse?.(value);
        const count = spec.cachedCount ? spec.cachedCount(stale.m) : stale.m.rows;
        return { value, count, unit, degraded: `stale (${age} old): ${reason}` };
      }
      if ("manifest" in out) {
        return {
          value: valueFromManifest(env, spec.ref, out.manifest),
          count: out.count ?? out.manifest.rows,
          unit,
          degraded: out.degraded,
        };
      }
      const meta = { ...out.meta, ...(out.degraded ? { degraded: out.degraded } : {}) };
      const createdAt = env.store.clock();
      const putOpts = { inputs, params, meta, csv: env.csv, mode: spec.mode, rewrite: env.force, createdAt };
      const committed = await env.store.put(spec.ref, out.frame, putOpts);
      const fingerprints: Record<string, string> = { [artifactId(spec.ref)]: committed.fingerprint };
      for (const name of spec.extras ?? []) {
        const f = out.extras?.[name];
        if (!f) throw internalError(`task ${spec.id} did not produce its companion table "${name}"`);
        const x = extraRef(spec.ref, name);
        fingerprints[artifactId(x)] = (await env.store.put(x, f, putOpts)).fingerprint;
      }
      const value: ArtifactValue = {
        ref: spec.ref,
        id: artifactId(spec.ref),
        fingerprint: committed.fingerprint,
        fingerprints,
        rows: committed.rows,
        createdAt,
        meta,
        frame: () => out.frame,
        extra: (name) => {
          const f = out.extras?.[name];
          if (!f) throw internalError(`artifact ${artifactId(spec.ref)} has no companion table "${name}"`);
          return f;
        },
      };
      return { value, count: out.count ?? committed.rows, unit, degraded: out.degraded };
    },
  };
}
