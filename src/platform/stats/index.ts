/** Statistics engine (platform side): read the bars dataset, run the kernels on workers, write results. */

export { ESTIMATORS, type Estimator } from "../../stats/estimators.ts";
export type { ExpectedMoveRow, ExpirationInput, ImpliedInput, IvHvRow } from "../../stats/implied.ts";
export { parseImpliedInputs } from "../../stats/implied.ts";
export type { ConeTable, LatestTable, ReturnsTable, StatsTables, SymbolTable } from "../../stats/suite.ts";
export {
  type ComputeStatsOptions,
  type ComputeStatsResult,
  computeStats,
  DEFAULT_WINDOWS,
} from "./compute.ts";
export { listDailySymbols, readSymbolBars, type SymbolFiles } from "./dataset.ts";
export type { SymbolFailure } from "./task.ts";
