/**
 * `runPipeline`: the whole run as a library call. Builds the four stages' tasks as one dependency
 * graph, executes it (independent work concurrently, every task as soon as its inputs are ready),
 * waits until every artifact is durable, and returns a summary: per stage status, counts, seconds,
 * cache hits and failures, plus the run status — complete, degraded (data missing within the
 * threshold) or failed.
 */
import { join } from "node:path";
import { childController } from "../../core/cancel.ts";
import type { Config } from "../../core/config.ts";
import { isTTError } from "../../core/errors.ts";
import { getLogger, newOpId } from "../../core/log.ts";
import { type ArtifactRef, ArtifactStore } from "../cache/store.ts";
import { PersistWriter, type PersistWriterOptions } from "../persist/writer.ts";
import { type ArtifactValue, isArtifactValue, type RunEnv } from "./artifact-task.ts";
import type { PipelineParams, StageContext } from "./context.ts";
import { type DemoScale, demoFixturesDir, ensureDemoFixtures } from "./demo.ts";
import { collectFromCleanStack } from "./gc.ts";
import { runGraph, STAGES, type StageId, type TaskDef, type TaskEvent } from "./graph.ts";
import { logOutcome, type RunFailure, runExitCode, runFailures } from "./outcome.ts";
import { acquireRunLock, reclaimOnStart } from "./run-lock.ts";
import { type ApiSession, type DemoOptions, openSession } from "./session.ts";
import { coreTasks } from "./stage-core.ts";
import { eodTasks } from "./stage-eod.ts";
import { mathTasks } from "./stage-math.ts";
import { symbolTasks } from "./stage-symbols.ts";
import { resolveSymbols } from "./symbols.ts";

export type RunStatus = "complete" | "degraded" | "failed" | "cancelled";

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
  { kind: "eod", key: "metastock" },
  { kind: "eod", key: "candles" },
  { kind: "eod", key: "bars" },
  { kind: "stats", key: "volatility" },
  { kind: "stats", key: "iv-hv" },
  { kind: "stats", key: "expected-moves" },
];

/** Tasks that use the API session (REST or DXLink). */
const NETWORK_TASKS = new Set([
  "core.accounts",
  "core.balances",
  "core.positions",
  "core.quote-token",
  "sym.equities",
  "sym.chains",
  "sym.metrics",
  "sym.quotes",
  "eod.candles",
]);

export const EXIT_CODES: Record<RunStatus, number> = { complete: 0, degraded: 3, failed: 1, cancelled: 130 };

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
  /** Another run holds the data directory: told once whom this run waits for (run-lock.ts). */
  onLockWait?: (message: string) => void;
}

export interface TaskSummary {
  id: string;
  stage: StageId;
  label: string;
  state: "done" | "skipped" | "failed";
  count: number;
  unit: string;
  seconds: number;
  cached: boolean;
  reason?: string;
  /** How to fix the failure, when the error carried a hint. */
  hint?: string;
  degraded?: string;
  /** Failed: the error's code (E_AUTH, E_NETWORK…) and, for a summarising error, its dominant cause. */
  code?: string;
  causeCode?: string;
  /** When the task ended, ms since the run started. */
  endedAt?: number;
}

export interface StageSummary {
  title: string;
  status: RunStatus;
  tasks: number;
  done: number;
  cacheHits: number;
  failed: number;
  rows: number;
  seconds: number;
  failures: { task: string; reason: string; hint?: string }[];
}

export interface RunSummary {
  status: RunStatus;
  exitCode: number;
  seconds: number;
  dataDir: string;
  symbols: number;
  duplicates: number;
  stages: Record<StageId, StageSummary>;
  tasks: TaskSummary[];
  artifacts: { id: string; fingerprint: string; rows: number }[];
  /** Root failures and shortfalls, each named with its reason (see outcome.ts). */
  failures: RunFailure[];
  persist: { files: number; bytes: number; failures: { id: string; error: string }[] };
  /** Demo mode: what the simulated exchange served (requests and injected faults by kind). */
  sim?: { requests: number; faults: Record<string, number> };
}

const TITLES: Record<StageId, string> = {
  core: "Core Data",
  symbols: "Symbol Data",
  eod: "EOD Data",
  math: "Math",
};

/** The demo's parameters: seed, scale and which symbols it runs on. */
function demoSymbols(config: Config, scale: DemoScale, universeSymbols: readonly string[]): string[] {
  if (scale === "full") return [...universeSymbols];
  const set = new Set(universeSymbols);
  const mine = config["run.symbols"].map((s) => s.toUpperCase()).filter((s) => set.has(s));
  // A configured universe the sim does not list: demo its ten largest names instead.
  return mine.length > 0 ? mine : universeSymbols.slice(0, 10);
}

export async function runPipeline(o: RunPipelineOptions): Promise<RunSummary> {
  const started = performance.now();
  const log = getLogger("pipeline", { op: newOpId("run") });
  const { config, dataDir } = o;
  // One seed for both the sim and the fixtures built from its universe, so the data agree.
  const demo = o.demo ? { ...o.demo, seed: o.demo.seed ?? 1 } : null;
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
    // Universe and sources.
    let symbols: string[];
    let sources = [...config["run.sources"]];
    const tasks: TaskDef[] = [];
    let fixtureTask: TaskDef | null = null;
    if (demo) {
      const { createUniverse } = await import("../../sim/index.ts");
      const seed = demo.seed ?? 1;
      const universe = createUniverse({ seed: String(seed) });
      const scale = demo.scale ?? "small";
      const explicit = (o.symbols?.length ?? 0) > 0 || !!o.symbolsFile;
      const fixtureSymbols = demoSymbols(config, scale, universe.symbols);
      symbols = explicit
        ? resolveSymbols({
            symbols: o.symbols,
            symbolsFile: o.symbolsFile,
            configSymbols: config["run.symbols"],
          }).symbols
        : fixtureSymbols;
      const fxRoot = demoFixturesDir(dataDir, scale, seed);
      sources = [...sources, join(fxRoot, "stooq"), join(fxRoot, "metastock")];
      fixtureTask = {
        id: "eod.demo-fixtures",
        stage: "eod",
        label: "demo fixtures",
        deps: [],
        run: async (ctx) => {
          const fx = await ensureDemoFixtures({
            dataDir,
            universe,
            scale,
            symbols: fixtureSymbols,
            seed: typeof seed === "number" ? seed : Number.parseInt(String(seed), 10) || 1,
            onProgress: (d, t) => ctx.progress(d, t, "symbols"),
          });
          return { value: fx, count: fx.rows + fx.binaryRows, unit: "rows", cached: !fx.generated };
        },
      };
      tasks.push(fixtureTask);
    } else {
      symbols = resolveSymbols({
        symbols: o.symbols,
        symbolsFile: o.symbolsFile,
        configSymbols: config["run.symbols"],
        configSymbolsFile: config["run.symbols-file"] || null,
      }).symbols;
    }

    const params: PipelineParams = {
      symbols,
      sources,
      source: demo ? `sim:seed=${demo.seed}` : `${config["api.env"]}|${config["api.url"]}`,
      candleDays: config["run.candle-days"],
      windows: [...config["stats.windows"]],
      annualization: config["stats.annualization"],
      confidence: config["stats.confidence"],
    };
    const sc: StageContext = { env, params, api };
    const eod = eodTasks(sc);
    if (fixtureTask) {
      const ms = eod.find((t) => t.id === "eod.metastock")!;
      eod[eod.indexOf(ms)] = { ...ms, deps: [...ms.deps, fixtureTask.id] };
    }
    tasks.push(...coreTasks(sc), ...symbolTasks(sc), ...eod, ...mathTasks(sc));

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
    // The first authentication failure stops the API tasks: every other one would fail the same
    // way. The local work (MetaStock import, bars, statistics) goes on without them.
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
    const gated = tasks.map((t) => (NETWORK_TASKS.has(t.id) ? { ...t, stop: apiCtl.signal } : t));
    const outcomes = await runGraph(gated, { signal: o.signal, onEvent });
    await closing;
    const persistFailures = await store.flush();

    // Summaries.
    const taskSummaries: TaskSummary[] = tasks.map((t) => {
      const oc = outcomes.get(t.id)!;
      const failed = oc.state === "failed";
      return {
        id: t.id,
        stage: t.stage,
        label: t.label,
        state: failed ? "failed" : oc.state === "skipped" ? "skipped" : "done",
        count: oc.result?.count ?? 0,
        unit: oc.result?.unit ?? "rows",
        seconds: oc.seconds,
        cached: oc.state === "skipped",
        ...(oc.reason && failed ? { reason: oc.reason } : {}),
        ...(failed && isTTError(oc.error) && oc.error.hint ? { hint: oc.error.hint } : {}),
        ...(failed && isTTError(oc.error) ? { code: oc.error.code } : {}),
        ...(failed && isTTError(oc.error) && typeof oc.error.details?.code === "string"
          ? { causeCode: oc.error.details.code }
          : {}),
        ...(timing.has(t.id) ? { endedAt: timing.get(t.id)!.end } : {}),
        ...(oc.result?.degraded ? { degraded: oc.result.degraded } : {}),
      };
    });
    for (const f of persistFailures) {
      const t = taskSummaries.find(
        (x) =>
          isArtifactValue(outcomes.get(x.id)?.result?.value) &&
          (outcomes.get(x.id)!.result!.value as ArtifactValue).id === f.id,
      );
      if (t) Object.assign(t, { state: "failed", reason: `not saved: ${f.error}` });
    }
    const cancelled = o.signal?.aborted ?? false;
    const statusOf = (list: TaskSummary[]): RunStatus =>
      cancelled && list.some((t) => t.state === "failed")
        ? "cancelled"
        : list.some((t) => t.state === "failed")
          ? "failed"
          : list.some((t) => t.degraded)
            ? "degraded"
            : "complete";
    const stages = {} as Record<StageId, StageSummary>;
    for (const st of STAGES) {
      const list = taskSummaries.filter((t) => t.stage === st);
      const times = list.map((t) => timing.get(t.id)).filter((x) => x !== undefined);
      stages[st] = {
        title: TITLES[st],
        status: statusOf(list),
        tasks: list.length,
        done: list.filter((t) => t.state === "done").length,
        cacheHits: list.filter((t) => t.cached).length,
        failed: list.filter((t) => t.state === "failed").length,
        rows: list.reduce((s, t) => s + t.count, 0),
        seconds: times.length
          ? (Math.max(...times.map((x) => x.end)) - Math.min(...times.map((x) => x.start))) / 1000
          : 0,
        failures: list
          .filter((t) => t.state === "failed")
          .map((t) => ({ task: t.label, reason: t.reason ?? "failed", ...(t.hint ? { hint: t.hint } : {}) })),
      };
    }
    const status = statusOf(taskSummaries);
    const barsValue = outcomes.get("eod.bars")?.result?.value;
    const artifacts = [...outcomes.values()]
      .map((x) => x.result?.value)
      .filter(isArtifactValue)
      .map((v) => ({ id: v.id, fingerprint: v.fingerprint, rows: v.rows }));
    if (session) snapshotSim((await (session as Promise<ApiSession>).catch(() => null))?.sim);
    const exitCode = runExitCode(status, taskSummaries);
    const seconds = (performance.now() - started) / 1000;
    logOutcome(log, { status, exitCode, seconds, dataDir, symbols: symbols.length, tasks: taskSummaries });
    return {
      ...(simStats ? { sim: simStats } : {}),
      status,
      exitCode,
      failures: runFailures(taskSummaries),
      seconds,
      dataDir,
      symbols: symbols.length,
      duplicates: isArtifactValue(barsValue) ? Number(barsValue.meta.duplicates ?? 0) : 0,
      stages,
      tasks: taskSummaries,
      artifacts,
      persist: { files: writer.stats.files, bytes: writer.stats.bytesWritten, failures: persistFailures },
    };
  } finally {
    await store.flush().catch(() => []);
    await writer.close();
    if (session) await (await (session as Promise<ApiSession>).catch(() => null))?.close();
    release();
  }
}
