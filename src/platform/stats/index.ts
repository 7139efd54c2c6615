/** Statistics engine (platform side): read the bars dataset, run the kernels on workers, write results. */

export type {
  ConeTable,
  ExpectedMoveRow,
  ExpirationInput,
  ImpliedInput,
  IvHvRow,
  LatestTable,
  ReturnsTable,
  StatsTables,
  SymbolTable,
} from "../../stats/index.ts";
export { type Estimator, parseImpliedInputs } from "../../stats/index.ts";
export {
  type ComputeStatsOptions,
  type ComputeStatsResult,
  computeStats,
  DEFAULT_WINDOWS,
} from "./compute.ts";
export { listDailySymbols, readSymbolBars, type SymbolFiles } from "./dataset.ts";
export { type UpdateStatsOptions, type UpdateStatsResult, updateStats } from "./incremental.ts";
export { ivHistoryFrame } from "./iv-history.ts";
export type { SymbolFailure } from "./task.ts";
