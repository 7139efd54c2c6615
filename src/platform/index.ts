/**
 * The platform's public library surface: everything `ttapi` does is callable from here without
 * the CLI — run the pipeline, read and maintain the lake, inspect/clear the cache, import MetaStock
 * files, compute statistics, start the simulated exchange, write the HTML report.
 *
 *   import { runPipeline } from "ttapi/src/platform";
 *   const summary = await runPipeline({ config, dataDir, cached: true, demo: { scale: "small" } });
 */

export { parseFaults } from "../sim/index.ts";
export * from "./auth.ts";
export * from "./cache/index.ts";
export {
  expandInputs,
  type ImportError,
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  importBars,
  recoverOutput,
} from "./import/index.ts";
export * from "./lake/index.ts";
export * from "./persist/index.ts";
export * from "./pipeline/index.ts";
export {
  defaultReportPath,
  loadReport,
  type ReportModel,
  type ReportOptions,
  type ReportResult,
  renderReport,
  writeReport,
} from "./report/index.ts";
export * from "./sim.ts";
export {
  type ComputeStatsOptions,
  type ComputeStatsResult,
  computeStats,
  DEFAULT_WINDOWS,
  listDailySymbols,
  readSymbolBars,
} from "./stats/index.ts";
export {
  EventColumns,
  eventsFrame,
  type RecordedFile,
  type RecorderOptions,
  type RecorderStatus,
  type RecorderSummary,
  recordStream,
  resolveChainSymbols,
  type StreamFromConfigOptions,
  type StreamSubscription,
  streamFromConfig,
  writeEventsParquet,
  writeFrameParquet,
} from "./stream/index.ts";
