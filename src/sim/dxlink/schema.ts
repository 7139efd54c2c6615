/**
 * The event fields the simulated server knows, per type (dxLink spec names). A client's requested
 * field list is intersected with these; unknown names (e.g. a lower-case `vwap`) are dropped, which is
 * exactly the "server list differs from the requested one" case a client must survive.
 */
import { EVENT_SCHEMAS } from "../../core/dxlink-events.ts";

export const SIM_EVENT_FIELDS: Record<string, readonly string[]> = Object.fromEntries(
  Object.entries(EVENT_SCHEMAS).map(([type, fields]) => [
    type,
    // The sim does not know Candle's lower-case `vwap` (only `VWAP`): a requested list that names it
    // gets a server list without it, the case a client must decode by the server's list.
    Object.keys(fields).filter((f) => !(type === "Candle" && f === "vwap")),
  ]),
);

/** The server's field list for a type: the requested fields it knows (in the requested order), or all. */
export function acceptFields(type: string, requested: readonly string[] | undefined): string[] | null {
  const known = SIM_EVENT_FIELDS[type];
  if (!known) return null;
  if (!requested || requested.length === 0) return [...known];
  const set = new Set(known);
  const out: string[] = [];
  for (const f of requested) if (set.has(f) && !out.includes(f)) out.push(f);
  return out.length > 0 ? out : [...known];
}

/** Event types with an index/time (snapshot semantics apply): only Candle gets a history here. */
export const CANDLE_TYPE = "Candle";

export { parseCandleSymbol } from "../../core/candle-symbol.ts";
export { EventFlags as EVENT_FLAGS } from "../../core/dxlink-events.ts";
