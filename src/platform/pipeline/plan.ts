/**
 * Planning a run: which symbols, which MetaStock sources (the demo adds its generated fixtures),
 * the parameters every task sees, and the four stages' tasks as one list for the graph.
 */

import { join } from "node:path";
import pLimit from "p-limit";
import type { Config } from "../../core/config.ts";
import type { RunEnv } from "./artifact-task.ts";
import type { PipelineParams, StageContext } from "./context.ts";
import { type DemoScale, demoFixturesDir, ensureDemoFixtures } from "./demo.ts";
import type { TaskDef } from "./graph.ts";
import type { ApiSession, DemoOptions } from "./session.ts";
import { coreTasks } from "./stage-core.ts";
import { eodTasks } from "./stage-eod.ts";
import { mathTasks } from "./stage-math.ts";
import { optionTasks } from "./stage-options.ts";
import { symbolTasks } from "./stage-symbols.ts";
import { resolveSymbols } from "./symbols.ts";

/** Tasks that use the API session (REST or DXLink): once all are done the session can close. */
export const NETWORK_TASKS = new Set([
  "core.accounts",
  "core.balances",
  "core.positions",
  "core.quote-token",
  "sym.equities",
  "sym.chains",
  "sym.metrics",
  "sym.quotes",
  "sym.option-quotes",
  "eod.candles",
]);

/** In a replay, the candle window reaches back to the first day (where the fixtures end). */
function replayCandleDays(configured: number, demo: DemoOptions | null): number {
  if (!demo?.replayFrom || !demo.today) return configured;
  const span = (Date.parse(demo.today) - Date.parse(demo.replayFrom)) / 86_400_000;
  return Math.max(configured, span + 1);
}

/** The demo's parameters: seed, scale and which symbols it runs on. */
function demoSymbols(config: Config, scale: DemoScale, universeSymbols: readonly string[]): string[] {
  if (scale === "full") return [...universeSymbols];
  const set = new Set(universeSymbols);
  const mine = config["run.symbols"].map((s) => s.toUpperCase()).filter((s) => set.has(s));
  // A configured universe the sim does not list: demo its ten largest names instead.
  return mine.length > 0 ? mine : universeSymbols.slice(0, 10);
}

export interface PlanInput {
  config: Config;
  dataDir: string;
  env: RunEnv;
  symbols?: string[];
  symbolsFile?: string;
  demo: (DemoOptions & { seed: number | string }) | null;
  api(): Promise<ApiSession>;
  /** The trading date of the run's lake partition. */
  snapshotDate?: string;
}

export interface RunPlan {
  symbols: string[];
  params: PipelineParams;
  tasks: TaskDef[];
}

export async function planRun(o: PlanInput): Promise<RunPlan> {
  const { config, dataDir, demo } = o;
  let symbols: string[];
  let sources = [...config["run.sources"]];
  const tasks: TaskDef[] = [];
  let fixtureTask: TaskDef | null = null;
  if (demo) {
    const { createUniverse } = await import("../../sim/index.ts");
    const seed = demo.seed;
    const universe = createUniverse({
      seed: String(seed),
      ...(demo.today ? { today: demo.today } : {}),
      ...(demo.pathEnd ? { pathEnd: demo.pathEnd } : {}),
    });
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
    // A replay (`--days`) builds its fixtures once, from its first day's market.
    const fxKey = demo.replayFrom ? `${seed}-from-${demo.replayFrom}` : undefined;
    const fxUniverse = demo.replayFrom
      ? createUniverse({
          seed: String(seed),
          today: demo.replayFrom,
          ...(demo.pathEnd ? { pathEnd: demo.pathEnd } : {}),
        })
      : universe;
    const fxRoot = demoFixturesDir(dataDir, scale, fxKey ?? seed);
    sources = [...sources, join(fxRoot, "stooq"), join(fxRoot, "metastock")];
    fixtureTask = {
      id: "eod.demo-fixtures",
      stage: "eod",
      label: "demo fixtures",
      deps: [],
      run: async (ctx) => {
        const fx = await ensureDemoFixtures({
          dataDir,
          universe: fxUniverse,
          ...(fxKey ? { key: fxKey } : {}),
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
    source: demo
      ? `sim:seed=${demo.seed}${demo.today ? `:today=${demo.today}` : ""}`
      : `${config["api.env"]}|${config["api.url"]}`,
    candleDays: replayCandleDays(config["run.candle-days"], demo),
    windows: [...config["stats.windows"]],
    annualization: config["stats.annualization"],
    confidence: config["stats.confidence"],
    coneLookback: config["stats.cone-lookback"],
    ...(o.snapshotDate ? { snapshotDate: o.snapshotDate } : {}),
  };
  const sc: StageContext = { env: o.env, params, api: o.api, heavy: pLimit(1) };
  const eod = eodTasks(sc);
  if (fixtureTask) {
    const ms = eod.find((t) => t.id === "eod.metastock")!;
    eod[eod.indexOf(ms)] = { ...ms, deps: [...ms.deps, fixtureTask.id] };
  }
  tasks.push(...coreTasks(sc), ...symbolTasks(sc), ...optionTasks(sc), ...eod, ...mathTasks(sc));
  return { symbols, params, tasks };
}
