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
  /**
   * Runs the run's memory-heavy passes one at a time: the MetaStock import (its workers hold
   * parsed series) and the option pass (every chain option's events, and in demo mode the feed
   * that serves them). Side by side they took a full demo run to 2 GB of RSS; one after the
   * other it stays within its 1.5 GB budget for ~10 s more on a cold run. A cached run does
   * neither import, so a cron day never waits.
   */
  heavy<T>(fn: () => Promise<T>): Promise<T>;
}
