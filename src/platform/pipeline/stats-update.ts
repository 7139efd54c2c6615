/**
 * What the Math stage tells about its statistics update: the state it keeps (metadata beside the
 * cache, never a lake table) and how many symbols were updated incrementally or recomputed, why.
 */
import { join } from "node:path";

/**
 * The daily statistics state (metadata, like the cache: never part of the lake): removed by
 * `ttapi cache clear stats`, which then only costs one full recompute.
 */
export function statsStateFile(dataDir: string): string {
  return join(dataDir, "artifacts", "stats", ".daily.state");
}

/** How the statistics were brought up to date, as the run summary reports it. */
export interface StatsUpdateMeta {
  symbols: number;
  /** Symbols updated from the saved state (only their new bar parts read). */
  incremental: number;
  /** Symbols recomputed from their whole history. */
  recomputed: number;
  /** The first recomputed symbols with the reason (new symbol, correction, part changed…). */
  reasons: { symbol: string; reason: string }[];
  barsRead: number;
  stateBytes: number;
  seconds: number;
}

/** One line for the log and the terminal: how many symbols were incremental and why others were not. */
export function statsUpdateLine(u: StatsUpdateMeta): string {
  const head = `statistics: ${u.incremental} of ${u.symbols} symbols updated incrementally, ${u.recomputed} recomputed in full`;
  if (u.recomputed === 0) return head;
  // Reasons grouped: "new symbol" for 507 symbols is one phrase, not 507.
  const groups = new Map<string, string[]>();
  for (const r of u.reasons) groups.set(r.reason, [...(groups.get(r.reason) ?? []), r.symbol]);
  const parts = [...groups].map(([reason, syms]) => `${syms.join(", ")}: ${reason}`);
  const more = u.recomputed - u.reasons.length;
  return `${head} (${parts.join("; ")}${more > 0 ? `; and ${more} more` : ""})`;
}
