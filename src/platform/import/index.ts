/** The MetaStock import engine, as a library: `importBars(options) → summary`. */
export { importBars } from "./import.ts";
export { expandInputs, type Source } from "./inputs.ts";
export { recoverOutput } from "./output.ts";
export { parseToColumns } from "./parse-columns.ts";
export type { ImportError, ImportOptions, ImportProgress, ImportSummary } from "./types.ts";
