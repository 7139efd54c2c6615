/** Streaming: record DXLink events to rolling Parquet files (library API behind `ttapi stream`). */
export { EventColumns } from "./columns.ts";
export { resolveChainSymbols, type StreamFromConfigOptions, streamFromConfig } from "./from-config.ts";
export { eventsFrame, writeEventsParquet, writeFrameParquet } from "./parquet.ts";
export {
  type RecordedFile,
  type RecorderOptions,
  type RecorderStatus,
  type RecorderSummary,
  recordStream,
  type StreamSubscription,
} from "./recorder.ts";
