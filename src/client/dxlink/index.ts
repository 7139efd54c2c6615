/** DXLink streaming client: codec, connection, robust client, buffers and candle history. */
export { BoundedBatchQueue, batchEndsSnapshot, LatestValueStore } from "./buffers.ts";
export {
  type CandleBar,
  type CandleHistory,
  type CandleHistoryOptions,
  candleSymbol,
  fetchCandleHistory,
} from "./candles.ts";
export { chunkSubscription, type SubscriptionItem, type SubscriptionMessage } from "./chunking.ts";
export {
  type ConnectionState,
  channelFor,
  type DataListener,
  DxlinkClient,
  type DxlinkClientOptions,
  type DxlinkClientStats,
  type QuoteTokenInfo,
  type QuoteTokenProvider,
  type TokenReason,
} from "./client.ts";
export {
  batchToColumns,
  batchToEvents,
  type Column,
  type ColumnarBatch,
  type CompactBatch,
  decodeCompactData,
  decodeFullData,
  toBool,
  toNumber,
  toText,
} from "./codec.ts";
export {
  DEFAULT_FIELDS,
  type DxEvent,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  EventFlags,
  type EventType,
  fieldKind,
  isEventType,
} from "./events.ts";
