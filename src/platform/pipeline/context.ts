/**
 * What the stage task builders share: the run environment, the resolved parameters and the lazily
 * opened services (network session, import engine, statistics engine).
 */

import type { RunEnv } from "./artifact-task.ts";
import type { ApiSession } from "./session.ts";

export interface PipelineParams {
  symbols: string[];
  /** MetaStock inputs (files/folders/globs): config `run.sources` plus the demo fixtures. */
  sources: string[];
  candleDays: number;
  windows: number[];
  annualization: number;
  confidence: number;
}

export interface StageContext {
  env: RunEnv;
  params: PipelineParams;
  /** Opens the API session (and in demo mode the sim) on first call; later calls share it. */
  api(): Promise<ApiSession>;
}
