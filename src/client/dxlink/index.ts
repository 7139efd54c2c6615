/** DXLink streaming client: codec, connection, robust client, buffers and candle history. */
export { BoundedBatchQueue, LatestValueStore } from "./buffers.ts";
export {
  type CandleBar,
  type CandleHistory,
  type CandleHistoryOptions,
  candleSymbol,
  fetchCandleHistory,
} from "./candles.ts";
export type { SubscriptionItem, SubscriptionMessage } from "./chunking.ts";
export {
  type ConnectionState,
  type DataListener,
  DxlinkClient,
  type DxlinkClientOptions,
  type DxlinkClientStats,
  type QuoteTokenInfo,
  type QuoteTokenProvider,
  type TokenReason,
} from "./client.ts";
export {
  batchToEvents,
  type Column,
  type ColumnarBatch,
  type CompactBatch,
  decodeCompactData,
  toBool,
  toNumber,
  toText,
} from "./codec.ts";
export {
  DEFAULT_FIELDS,
  type DxEvent,
  type EventType,
  fieldKind,
} from "./events.ts";
