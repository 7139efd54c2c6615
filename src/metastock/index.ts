/**
 * MetaStock readers and writers (pure: bytes in, typed columns out; no file system access except
 * the synthetic data writer). The import engine in src/platform/import adds files, workers and
 * Parquet output on top.
 */
export { parseAscii, symbolFromFileName } from "./ascii/index.ts";
export { type AsciiLayout, detectLayout } from "./ascii/layout.ts";
export { type ParseOptions, type ParseResult, parseAsciiRange, type RowError } from "./ascii/parse.ts";
export { dataBytesWanted, decodeDataFile, indexShortfall } from "./binary/data-file.ts";
export { isMetastockListing, readDatabase, unlistedDataFiles } from "./binary/database.ts";
export {
  dataFileName,
  findDataFile,
  findIndexFiles,
  matchFileName,
  resolveSecurities,
  type Security,
} from "./binary/directory.ts";
export { fieldOffsets } from "./binary/fields.ts";
export { INDEX_MAX_BYTES, MASTER_RECORD, parseEmaster, parseMaster, parseXmaster } from "./binary/master.ts";
export {
  encodeDataFile,
  encodeIndexFiles,
  type WriterSecurity,
  type WriterSeries,
  writeMetastockDb,
} from "./binary/writer.ts";
export { BarColumnsBuilder, columnBuffers, shareColumns } from "./columns.ts";
export { mbfToNumber, numberToMbfBits } from "./mbf.ts";
export { flagRows, unusableBar } from "./price-flags.ts";
export {
  encodeStooqText,
  type SyntheticOptions,
  type SyntheticResult,
  syntheticSeries,
  syntheticSymbols,
  writeSyntheticStooq,
} from "./synthetic.ts";
