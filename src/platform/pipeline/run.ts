/**
 * `runPipeline`: the whole run as a library call. Builds the four stages' tasks as one dependency
 * graph, executes it (independent work concurrently, every task as soon as its inputs are ready),
 * waits until every artifact is durable, and returns a summary: per stage status, counts, seconds,
 * cache hits and failures, plus the run status — complete, degraded (data missing within the
 * threshold) or failed.
 */
import { daysFromIso } from "../../core/bars.ts";
import { childController } from "../../core/cancel.ts";
import type { Config } from "../../core/config.ts";
import { usageError } from "../../core/errors.ts";
import { isS3Root, lakeJoin, resolveLakeRoot } from "../../core/lake-root.ts";
import { getLogger, newOpId } from "../../core/log.ts";
import { sessionCloseUtc } from "../../core/time.ts";
import { DEFAULT_SIM_TODAY } from "../../sim/index.ts";
import { type ArtifactRef, ArtifactStore } from "../cache/store.ts";
import { type SnapshotMode, snapshotPartition } from "../lake/calendar.ts";
import { lakeRoot } from "../lake/paths.ts";
import { syncBarsDown, syncBarsUp } from "../lake/s3-bars.ts";
import { listPartitionsAsync } from "../lake/scan.ts";
import { SNAPSHOT_TABLES } from "../lake/tables.ts";
import { PersistWriter, type PersistWriterOptions } from "../persist/writer.ts";
import { type ArtifactValue, isArtifactValue, type RunEnv } from "./artifact-task.ts";
import { collectFromCleanStack, withoutForcedCollection } from "./gc.ts";
import { runGraph, type StageId, type TaskEvent } from "./graph.ts";
import { migrateDataDir } from "./lake-migrate.ts";
import { lakeStateFile, type PartitionWriter, writeSnapshots } from "./lake-step.ts";
import { logOutcome } from "./outcome.ts";
import { NETWORK_TASKS, planRun } from "./plan.ts";
import { acquireRunLock, reclaimOnStart } from "./run-lock.ts";
import { type ApiSession, type DemoOptions, openSession } from "./session.ts";
import { type RunSummary, summarize } from "./summarize.ts";

export {
  EXIT_CODES,
  type RunStatus,
  type RunSummary,
  type StageSummary,
  type TaskSummary,
} from "./summarize.ts";

/** Every artifact a run produces (what `ttapi cache status` expects to find). */
export const PIPELINE_ARTIFACTS: readonly ArtifactRef[] = [
  { kind: "accounts", key: "accounts" },
  { kind: "accounts", key: "balances" },
  { kind: "accounts", key: "positions" },
  { kind: "quote-token", key: "token" },
  { kind: "universe", key: "symbols" },
  { kind: "instruments", key: "equities" },
  { kind: "chains", key: "chains" },
  { kind: "metrics", key: "metrics" },
  { kind: "metrics", key: "metrics.expiration_iv" },
  { kind: "quotes", key: "quotes" },
  { kind: "option-quotes", key: "options" },
  { kind: "eod", key: "metastock" },
  { kind: "eod", key: "candles" },
  { kind: "eod", key: "bars" },
  { kind: "stats", key: "volatility" },
  { kind: "stats", key: "iv-hv" },
  { kind: "stats", key: "expected-moves" },
];

export interface RunPipelineOptions {
  config: Config;
  dataDir: string;
  /** Reuse fresh artifacts (`--cached`). */
  cached?: boolean;
  /** Recompute and rewrite everything (`--force`). */
  force?: boolean;
  /** CSV mirrors (`--csv`; default config `run.csv`). */
  csv?: boolean;
  symbols?: string[];
  symbolsFile?: string;
  /** Run against the in-process simulated exchange with generated MetaStock fixtures. */
  demo?: DemoOptions | null;
  signal?: AbortSignal;
  onEvent?: (e: TaskEvent) => void;
  /** Called once with the run's tasks before any starts (to draw the grid). */
  onPlan?: (plan: { id: string; stage: StageId; label: string }[]) => void;
  persist?: PersistWriterOptions;
  /**
   * The snapshot clock (default: now): the lake partition's trading date, the artifacts' creation
   * time and TTLs all read it, so a replayed day (`--demo --days`) behaves like that day's cron run.
   */
  asOf?: Date;
  /** `daily` (default): one partition per trading date; `intraday`: `date=…/time=HHMM/`. */
  snapshot?: SnapshotMode;
  /** Replaces the lake's partition writer (fault tests: a full disk). */
  lakeWriter?: PartitionWriter;
  /** Any tolerated loss (a degraded task) fails the run (`--strict`). */
  strict?: boolean;
  /** Another run holds the data directory: told once whom this run waits for (run-lock.ts). */
  onLockWait?: (message: string) => void;
}

/** One snapshot layout per table: a mixed table is unreadable for hive readers (polars, DuckDB). */
async function checkSnapshotMode(root: string, mode: SnapshotMode): Promise<void> {
  for (const t of SNAPSHOT_TABLES) {
    const first = (await listPartitionsAsync(root, t))[0];
    const layout = first ? (first.includes("/time=") ? "intraday" : "daily") : null;
    if (layout && layout !== mode)
      throw usageError(
        `${lakeJoin(root, t)} holds ${layout} snapshots; --snapshot ${mode} would mix the two layouts`,
        {
          hint: `use --snapshot ${layout} with this data directory, or another --data-dir (hive readers cannot read a mixed table)`,
        },
      );
  }
}

/** The close of the demo sim's market date (`today`, default the sim's fixed date), epoch ms. */
function demoCloseUtc(today: string | undefined): number {
  return sessionCloseUtc(daysFromIso(today ?? DEFAULT_SIM_TODAY));
}

export async function runPipeline(o: RunPipelineOptions): Promise<RunSummary> {
  const started = performance.now();
  const log = getLogger("pipeline", { op: newOpId("run") });
  const { config, dataDir } = o;
  // One seed for both the sim and the fixtures built from its universe, so the data agree.
  const demo = o.demo ? { ...o.demo, seed: o.demo.seed ?? 1 } : null;
  // The run's clock: `asOf` plus the time elapsed since the start, so TTLs age within a run too.
  const asOf = o.asOf ?? new Date();
  const now = o.asOf ? () => asOf.getTime() + (performance.now() - started) : Date.now;
  // A demo's market stands still on the sim's own date: its snapshots belong to that trading
  // date, not to the wall clock's (chains would show negative days to expiration). The cache
  // keeps the wall clock; `--days` passes each played day's close as `asOf`.
  const marketAsOf = o.asOf ?? (demo ? new Date(demoCloseUtc(demo.today)) : asOf);
  // The lake: `<data-dir>/lake`, or an `s3://` root (lake.root) whose bars are built in the local
  // working copy `<data-dir>/lake` and synchronised with the bucket around the run.
  const root = resolveLakeRoot(config, dataDir);
  const release = await acquireRunLock(dataDir, {
    waitSeconds: config["run.lock-wait"],
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onLockWait ? { onWait: o.onLockWait } : {}),
  });
  reclaimOnStart(dataDir, log);
  const writer = new PersistWriter(o.persist);
  const store = new ArtifactStore({
    dataDir,
    config,
    writer,
    compression: config["import.compression"] as "zstd",
    now,
  });
  const env: RunEnv = {
    config,
    dataDir,
    store,
    cached: o.cached ?? false,
    force: o.force ?? false,
    csv: o.csv ?? config["run.csv"],
    log,
  };

  let session: Promise<ApiSession> | null = null;
  let simStats: RunSummary["sim"] | null = null;
  const snapshotSim = (sim: ApiSession["sim"] | undefined) => {
    if (sim) simStats = { requests: sim.stats.requests, faults: { ...sim.stats.faults } };
  };
  let closing: Promise<void> = Promise.resolve();
  const api = () => {
    session ??= openSession(config, dataDir, demo);
    return session;
  };

  try {
    // A data directory of an earlier version: its artifacts become the lake's first day.
    await migrateDataDir(dataDir, config);
    await checkSnapshotMode(root, o.snapshot ?? "daily");
    // Bars another machine sent to the bucket since our last sync join the working copy first, so
    // this run builds on them; if that fails, this run's bars are not sent (they could be older).
    let barsSyncError: string | null = null;
    if (isS3Root(root))
      await syncBarsDown(root, lakeRoot(dataDir)).catch((e: unknown) => {
        barsSyncError = `bars not synchronised with ${root}: ${(e as Error).message}`;
        log.error(barsSyncError);
      });
    const partition = snapshotPartition(marketAsOf, o.snapshot ?? "daily");
    const plan = await planRun({
      config,
      dataDir,
      env,
      symbols: o.symbols,
      symbolsFile: o.symbolsFile,
      demo,
      api,
      snapshotDate: partition.date,
    });
    const { tasks, symbols } = plan;
    o.onPlan?.(tasks.map((t) => ({ id: t.id, stage: t.stage, label: t.label })));
    // Once the last task that talks to the API has finished, stop the session (in demo mode the
    // whole simulated exchange) so its memory is free before the heavy EOD and Math work.
    const networkLeft = new Set(tasks.filter((t) => NETWORK_TASKS.has(t.id)).map((t) => t.id));
    const releaseNetwork = async () => {
      const s = session;
      if (!s) return;
      session = null;
      const opened = await s.catch(() => null);
      snapshotSim(opened?.sim);
      await opened?.close();
      await collectFromCleanStack();
    };
    const timing = new Map<string, { start: number; end: number }>();
    // The first authentication failure stops the run: every other API task would fail the same way.
    const apiCtl = childController(o.signal);
    let authStop = false;
    const onEvent = (ev: TaskEvent) => {
      let e = ev;
      if (e.type === "failed" && e.code === "E_AUTH") {
        if (!authStop) {
          authStop = true;
          log.error(`${e.label} failed: ${e.reason}; stopping the run`, { task: e.task, code: e.code });
          apiCtl.abort(new Error("authentication failed"));
        } else {
          // The same cause reached a task that was already running: it was stopped by it.
          e = { ...e, reason: "cancelled", code: undefined };
        }
      }
      const t = timing.get(e.task) ?? { start: e.at, end: e.at };
      if (e.type === "start") t.start = e.at;
      if (e.type === "done" || e.type === "skipped" || e.type === "failed") t.end = e.at;
      timing.set(e.task, t);
      if (
        (e.type === "done" || e.type === "skipped" || e.type === "failed") &&
        networkLeft.delete(e.task) &&
        networkLeft.size === 0
      )
        closing = releaseNetwork();
      if (e.type === "failed" && e.reason !== "cancelled" && e.code !== "E_AUTH")
        log.error(`${e.label} failed: ${e.reason}`, { task: e.task, ...(e.code ? { code: e.code } : {}) });
      if ((e.type === "done" || e.type === "skipped") && e.degraded)
        log.warn(`${e.label} incomplete: ${e.degraded}`, { task: e.task });
      o.onEvent?.(e);
    };
    // The API tasks alone stop after an authentication failure; local work goes on (graph.ts `stop`).
    const gated = tasks.map((t) => (NETWORK_TASKS.has(t.id) ? { ...t, stop: apiCtl.signal } : t));
    // A small demo on its own fixtures stays far below the memory budget: no forced collections
    // (see gc.ts). With MetaStock sources of its own (any size) a run keeps them.
    const smallDemo = demo !== null && demo.scale !== "full" && config["run.sources"].length === 0;
    const outcomes = await withoutForcedCollection(smallDemo, () =>
      runGraph(gated, { signal: o.signal, onEvent }),
    );
    await closing;
    const persistFailures = await store.flush();
    const cancelled = o.signal?.aborted ?? false;

    // The lake: this run's snapshot of every table (bars were published by their task).
    const values = new Map<string, ArtifactValue | undefined>();
    for (const [id, oc] of outcomes) {
      const v = oc.result?.value;
      const unsaved = isArtifactValue(v) && persistFailures.some((f) => f.id === v.id);
      values.set(id, oc.state !== "failed" && isArtifactValue(v) && !unsaved ? v : undefined);
    }
    const lake = cancelled
      ? undefined
      : await writeSnapshots({
          root,
          stateFile: lakeStateFile(dataDir),
          partition,
          values,
          ...(o.lakeWriter ? { write: o.lakeWriter } : {}),
        });
    if (lake && isS3Root(root)) {
      if (barsSyncError) lake.s3Bars = { error: barsSyncError };
      else
        lake.s3Bars = await syncBarsUp(lakeRoot(dataDir), root).catch((e: unknown) => {
          const error = `bars not sent to ${root}: ${(e as Error).message}; the next run sends them`;
          log.error(error);
          return { error };
        });
    }
    for (const t of lake?.tables ?? [])
      if (t.state === "failed") log.error(`lake/${t.table}/${t.partition} not written: ${t.reason}`);

    if (session) snapshotSim((await (session as Promise<ApiSession>).catch(() => null))?.sim);
    const summary = summarize({
      tasks,
      outcomes,
      timing,
      persistFailures,
      cancelled,
      lake,
      strict: o.strict ?? false,
    });
    const seconds = (performance.now() - started) / 1000;
    logOutcome(log, {
      status: summary.status,
      exitCode: summary.exitCode,
      seconds,
      dataDir,
      symbols: symbols.length,
      tasks: summary.tasks,
    });
    return {
      ...(simStats ? { sim: simStats } : {}),
      ...summary,
      seconds,
      dataDir,
      symbols: symbols.length,
      persist: { files: writer.stats.files, bytes: writer.stats.bytesWritten, failures: persistFailures },
    };
  } finally {
    await store.flush().catch(() => []);
    await writer.close();
    if (session) await (await (session as Promise<ApiSession>).catch(() => null))?.close();
    release();
  }
}
