/**
 * The official dxFeed client (@dxfeed/dxlink-api) on a COMPACT feed, for the conformance tests:
 * connected, authorised, configured with `fields` (Quote and Candle by default) and collecting
 * every event it delivers into `events`.
 */
import { DXLinkFeed, DXLinkWebSocketClient, FeedContract, FeedDataFormat } from "@dxfeed/dxlink-api";

export const OFFICIAL_FIELDS = {
  Quote: ["eventType", "eventSymbol", "bidPrice", "askPrice", "bidSize", "askSize"],
  Candle: ["eventType", "eventSymbol", "eventFlags", "time", "open", "high", "low", "close", "volume"],
};

export function officialCompactFeed(
  url: string,
  token: string,
  fields: Record<string, string[]> = OFFICIAL_FIELDS,
): { client: DXLinkWebSocketClient; feed: DXLinkFeed<FeedContract.AUTO>; events: Record<string, unknown>[] } {
  const client = new DXLinkWebSocketClient();
  client.connect(url);
  client.setAuthToken(token);
  const feed = new DXLinkFeed(client, FeedContract.AUTO);
  feed.configure({
    acceptAggregationPeriod: 0.05,
    acceptDataFormat: FeedDataFormat.COMPACT,
    acceptEventFields: fields,
  });
  const events: Record<string, unknown>[] = [];
  feed.addEventListener((evs) => {
    events.push(...(evs as unknown as Record<string, unknown>[]));
  });
  return { client, feed, events };
}
