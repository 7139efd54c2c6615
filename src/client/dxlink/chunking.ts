/**
 * Splitting FEED_SUBSCRIPTION items into messages below a byte budget. The server closes the socket
 * with 1009 on a frame above its limit (and the reference reports 2,000+ item messages failing), so
 * every message is measured as the exact JSON that will be sent: the envelope plus each item's JSON
 * and a separating comma. Pure and deterministic.
 */
export interface SubscriptionItem {
  type: string;
  symbol: string;
  fromTime?: number;
  source?: string;
}

export interface SubscriptionMessage {
  type: "FEED_SUBSCRIPTION";
  channel: number;
  reset?: true;
  remove?: SubscriptionItem[];
  add?: SubscriptionItem[];
}

/**
 * Messages carrying `remove` then `add` items (reset only on the first), each at most `maxBytes`
 * (UTF-8) long and at most `maxItems` items. An item that alone exceeds the budget still gets a
 * message of its own (nothing can be done about it; the caller's budget is too small).
 */
export function chunkSubscription(
  channel: number,
  change: { reset?: boolean; remove?: SubscriptionItem[]; add?: SubscriptionItem[] },
  maxBytes: number,
  maxItems = 1000,
): SubscriptionMessage[] {
  const out: SubscriptionMessage[] = [];
  let current: SubscriptionMessage | null = null;
  let size = 0;
  let items = 0;
  const start = (): SubscriptionMessage => {
    const m: SubscriptionMessage = { type: "FEED_SUBSCRIPTION", channel };
    if (change.reset && out.length === 0) m.reset = true;
    out.push(m);
    current = m;
    size = byteLength(JSON.stringify(m));
    items = 0;
    return m;
  };
  const push = (kind: "remove" | "add", item: SubscriptionItem) => {
    const itemBytes = byteLength(JSON.stringify(item));
    let m: SubscriptionMessage = current ?? start();
    const list = m[kind];
    // `,"add":[` + item  or  `,` + item
    const cost = list ? itemBytes + 1 : itemBytes + kind.length + 6;
    if (items > 0 && (size + cost > maxBytes || items >= maxItems)) {
      m = start();
    }
    const l = m[kind];
    if (l) {
      l.push(item);
      size += itemBytes + 1;
    } else {
      m[kind] = [item];
      size += itemBytes + kind.length + 6;
    }
    items++;
  };
  for (const item of change.remove ?? []) push("remove", item);
  for (const item of change.add ?? []) push("add", item);
  if (out.length === 0 && change.reset) start();
  return out;
}

export function byteLength(s: string): number {
  // Fast path: the protocol is almost always ASCII.
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  return ascii ? s.length : Buffer.byteLength(s, "utf8");
}
