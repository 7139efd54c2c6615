/**
 * The statistics kernels (pure: typed arrays in, tables out): returns, the five realized-volatility
 * estimators, confidence intervals, the volatility cone, IV vs HV and expected moves. The
 * statistics engine in src/platform/stats adds files, workers and Parquet output on top.
 */

export * from "./atm-iv.ts";
export { normalQuantile } from "./distributions.ts";
export { ESTIMATORS, type Estimator, type RollingOut, type RollState } from "./estimators.ts";
export {
  type ExpectedMoveRow,
  type ExpirationInput,
  expectedMoves,
  type ImpliedInput,
  type IvHvRow,
  ivVsHv,
  parseImpliedInputs,
} from "./implied.ts";
export * from "./incremental.ts";
export { IntervalCache } from "./intervals.ts";
export * from "./iv-rank.ts";
export { type PriceSeries, prepareSeries } from "./series.ts";
export {
  type ConeTable,
  computeSymbolStats,
  coneLookback,
  DEFAULT_CONE_LOOKBACK,
  emptyTables,
  type LatestTable,
  mergeTables,
  type ReturnsTable,
  type StatsTables,
  SuiteContext,
  type SuiteOptions,
  type SymbolTable,
  validateOptions,
} from "./suite.ts";
