/**
 * What the stage task builders share: the run environment, the resolved parameters and the lazily
 * opened services (network session, import engine, statistics engine).
 */

import type { RunEnv } from "./artifact-task.ts";
import type { ApiSession } from "./session.ts";

export interface PipelineParams {
  /**
   * Where network data comes from (API environment and URL, or the demo sim and its seed): part
   * of every network artifact's parameters, so data from one source is never reused for another.
   */
  source: string;
  symbols: string[];
  /** MetaStock inputs (files/folders/globs): config `run.sources` plus the demo fixtures. */
  sources: string[];
  candleDays: number;
  windows: number[];
  annualization: number;
  confidence: number;
  /** Bars the volatility cone looks back over (config `stats.cone-lookback`; default 252). */
  coneLookback?: number;
  /**
   * The trading date this run's snapshot describes (its lake partition, `snapshotDate(asOf)`):
   * what "today" is for anything that reads the lake's history.
   */
  snapshotDate?: string;
}

export interface StageContext {
  env: RunEnv;
  params: PipelineParams;
  /** Opens the API session (and in demo mode the sim) on first call; later calls share it. */
  api(): Promise<ApiSession>;
}
