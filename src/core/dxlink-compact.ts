/**
 * The one COMPACT encoder: how an event value travels in FEED_DATA. The simulated server sends
 * with it (and the official dxFeed client accepts its frames: sim/dxlink/conformance.test.ts);
 * tests and benches build COMPACT data with it instead of keeping an encoder of their own.
 *
 * dxLink's wire values are `number | string | boolean` (the official client's `FeedEventValue`
 * has no null): a number that is not finite travels as the JSONDouble string "NaN", "Infinity" or
 * "-Infinity", and a value the event does not have, of any kind, as "NaN".
 */

/** One event value as it goes on the wire. */
export function jsonDouble(v: unknown): unknown {
  if (typeof v === "number") {
    if (Number.isFinite(v)) return v;
    return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  }
  return v === undefined ? "NaN" : v;
}

/** Events to COMPACT `data`: `[type, values, type, values, …]`, each event's values in `fields` order. */
export function encodeCompactData(
  pairs: readonly { type: string; fields: readonly string[]; events: readonly Record<string, unknown>[] }[],
): unknown[] {
  const data: unknown[] = [];
  for (const { type, fields, events } of pairs) {
    const values: unknown[] = [];
    for (const ev of events) for (const f of fields) values.push(jsonDouble(ev[f]));
    data.push(type, values);
  }
  return data;
}
