/**
 * Batch collection with graceful degradation: fetch equity + nested chain + market metrics +
 * snapshot quote for a universe of underlyings, all concurrently (the client's bulkhead bounds
 * the load), and return what arrived plus a list of what did not and why. While the fraction of
 * symbols with a failure stays within the threshold (default 20 %) the collection carries on;
 * once it is exceeded, the remaining work is cancelled and one E_DEGRADED error summarises what
 * is missing.
 */
import pLimit from "p-limit";
import { childController } from "../core/cancel.ts";
import { cancelledError, type ErrorCode, isTTError, TTError } from "../core/errors.ts";
import { getLogger } from "../core/log.ts";
import type { TastyClient } from "./client.ts";
import type { Equity, MarketMetric, NestedChain, QuoteSnapshot } from "./models.ts";
import { chunk } from "./query.ts";

export type UniversePart = "equities" | "chains" | "metrics" | "quotes";
export const UNIVERSE_PARTS: readonly UniversePart[] = ["equities", "chains", "metrics", "quotes"];

export interface CollectionFailure {
  symbol: string;
  endpoint: UniversePart;
  code: ErrorCode;
  reason: string;
}

export interface UniverseData {
  equities: Equity[];
  chains: NestedChain[];
  metrics: MarketMetric[];
  quotes: QuoteSnapshot[];
  failures: CollectionFailure[];
  /** Symbols requested (deduplicated) and those with every requested part present. */
  requested: number;
  complete: number;
  missingFraction: number;
  elapsedMs: number;
}

export interface CollectOptions {
  signal?: AbortSignal;
  /** Max missing fraction (default: the client's `missingThreshold`, 0.2). */
  threshold?: number;
  /** Which parts to collect (default all four). */
  parts?: readonly UniversePart[];
  /** Symbols per by-type quotes request (≤ 100). */
  quotesBatch?: number;
}

export async function collectUniverse(
  client: TastyClient,
  symbolsIn: readonly string[],
  o: CollectOptions = {},
): Promise<UniverseData> {
  const started = performance.now();
  const log = getLogger("client.collect");
  const symbols = [...new Set(symbolsIn)];
  const threshold = o.threshold ?? client.options.missingThreshold;
  const parts = new Set(o.parts ?? UNIVERSE_PARTS);
  const ctl = childController(o.signal);
  const signal = ctl.signal;
  const failures: CollectionFailure[] = [];
  const failed = new Set<string>();
  const budget = Math.floor(threshold * symbols.length);
  const state: { degraded: TTError | null } = { degraded: null };

  const fail = (syms: readonly string[], endpoint: UniversePart, e: unknown) => {
    if (signal.aborted && (state.degraded || o.signal?.aborted)) return; // fallout of our own cancel
    const err = isTTError(e)
      ? e
      : new TTError("E_INTERNAL", String((e as Error)?.message ?? e), { cause: e });
    for (const symbol of syms) {
      failures.push({ symbol, endpoint, code: err.code, reason: err.message });
      failed.add(symbol);
    }
    if (failed.size > budget && !state.degraded) {
      state.degraded = degradedError(symbols.length, failed.size, threshold, failures);
      ctl.abort(state.degraded);
    }
  };

  const out: UniverseData = {
    equities: [],
    chains: [],
    metrics: [],
    quotes: [],
    failures,
    requested: symbols.length,
    complete: 0,
    missingFraction: 0,
    elapsedMs: 0,
  };
  const tasks: Promise<void>[] = [];

  /**
   * Quotes need the instrument type (`index=` vs `equity=` in by-type), which the equities answer
   * carries: each quotes request follows its equities batch (pipelined, not a stage barrier).
   * Without instrument data, symbols are asked as equities and the unanswered ones again as indexes.
   */
  const quotesFor = async (batch: readonly string[], indexes: ReadonlySet<string> | null): Promise<void> => {
    const equity = batch.filter((s) => !indexes?.has(s));
    const index = batch.filter((s) => indexes?.has(s));
    try {
      const rows = await client.quotes({ equity, index }, { signal });
      out.quotes.push(...rows);
      let missing = batch.filter((s) => !rows.some((r) => r.symbol === s));
      if (missing.length > 0 && indexes === null) {
        const again = await client.quotes({ index: missing }, { signal });
        out.quotes.push(...again);
        const got = new Set(again.map((r) => r.symbol));
        missing = missing.filter((s) => !got.has(s));
      }
      if (missing.length > 0)
        fail(missing, "quotes", new TTError("E_DATA", "not returned by /market-data/by-type"));
    } catch (e) {
      fail(batch, "quotes", e);
    }
  };
  const quotesBatch = Math.min(100, o.quotesBatch ?? 100);
  const wantQuotes = parts.has("quotes");

  if (parts.has("equities")) {
    for (const batch of chunk(symbols, Math.min(client.options.equitiesBatch, quotesBatch))) {
      tasks.push(
        client.equities(batch, { signal }).then(
          (rows) => {
            out.equities.push(...rows);
            const got = new Set(rows.map((r) => r.symbol));
            const missing = batch.filter((s) => !got.has(s));
            if (missing.length > 0)
              fail(
                missing,
                "equities",
                new TTError("E_DATA", "unknown symbol: not listed by /instruments/equities"),
              );
            if (wantQuotes)
              return quotesFor(batch, new Set(rows.filter((r) => r.isIndex).map((r) => r.symbol)));
          },
          (e) => {
            fail(batch, "equities", e);
            if (wantQuotes) return quotesFor(batch, null);
          },
        ),
      );
    }
  } else if (wantQuotes) {
    for (const batch of chunk(symbols, quotesBatch)) tasks.push(quotesFor(batch, null));
  }
  if (parts.has("metrics")) {
    for (const batch of chunk(symbols, client.options.metricsBatch)) {
      tasks.push(
        client.marketMetrics(batch, { signal }).then(
          (rows) => {
            out.metrics.push(...rows);
            const got = new Set(rows.map((r) => r.symbol));
            const missing = batch.filter((s) => !got.has(s));
            if (missing.length > 0)
              fail(missing, "metrics", new TTError("E_DATA", "not returned by /market-metrics"));
          },
          (e) => fail(batch, "metrics", e),
        ),
      );
    }
  }
  if (parts.has("chains")) {
    // One chain request per symbol, fed so that at most `concurrency` of them are queued in the
    // client at a time: the bulkhead's queue then never holds hundreds of chains ahead of the
    // quotes requests that follow each equities batch (those would otherwise wait for the whole
    // chain backlog and add a latency round at the end).
    const feed = pLimit(Math.max(1, client.transport.limiter.max));
    for (const s of symbols) {
      tasks.push(
        feed(async () => {
          if (signal.aborted) return; // degraded or cancelled: nothing more to start
          try {
            const chains = await client.nestedChain(s, { signal });
            if (chains.length === 0) fail([s], "chains", new TTError("E_DATA", "empty option chain"));
            else out.chains.push(...chains);
          } catch (e) {
            fail([s], "chains", e);
          }
        }),
      );
    }
  }

  await Promise.all(tasks);
  if (o.signal?.aborted) throw cancelledError("universe collection cancelled", { cause: o.signal.reason });
  if (state.degraded) throw state.degraded;
  out.complete = symbols.length - failed.size;
  out.missingFraction = symbols.length === 0 ? 0 : failed.size / symbols.length;
  out.elapsedMs = performance.now() - started;
  if (failures.length > 0) {
    log.warn(
      `collected ${out.complete}/${symbols.length} symbols completely; ${failed.size} with missing data (within the ${Math.round(threshold * 100)} % threshold)`,
      {
        failures: failures.length,
      },
    );
  }
  return out;
}

/** One clear line: how much is missing, and the top reasons grouped by endpoint and code. */
export function degradedError(
  total: number,
  missing: number,
  threshold: number,
  failures: readonly CollectionFailure[],
): TTError {
  const groups = new Map<string, { n: number; example: string; symbols: string[] }>();
  for (const f of failures) {
    const key = `${f.endpoint} ${f.code}`;
    const g = groups.get(key) ?? { n: 0, example: f.reason, symbols: [] };
    g.n++;
    if (g.symbols.length < 3) g.symbols.push(f.symbol);
    groups.set(key, g);
  }
  const top = [...groups.entries()]
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, 3)
    .map(([k, g]) => `${k} ×${g.n} (e.g. ${g.symbols.join(", ")}: ${g.example})`)
    .join("; ");
  return new TTError(
    "E_DEGRADED",
    `data missing for ${missing} of ${total} symbols (more than the ${Math.round(threshold * 100)} % threshold): ${top}`,
    {
      hint: degradedHint(failures),
      // The most frequent cause, so a run can exit with its class (auth, network, rate limit…).
      details: { total, missing, threshold, failures: failures.length, code: dominantCode(failures) },
    },
  );
}

/** A hint that fits the cause: unknown symbols, credentials, throttling or a failing API. */
function degradedHint(failures: readonly CollectionFailure[]): string {
  const code = dominantCode(failures);
  if (
    code === "E_DATA" ||
    failures.every((f) => /not returned|not found|404|empty option chain/.test(f.reason))
  )
    return "check the symbols (unknown or without options), or raise api.missing-threshold to accept partial data";
  if (code === "E_AUTH") return "check the credentials: run `ttapi auth login`";
  if (code === "E_RATE_LIMIT") return "the API is throttling; lower api.concurrency or retry later";
  return "the API is failing; retry later, or raise api.missing-threshold to accept partial data";
}

function dominantCode(failures: readonly CollectionFailure[]): string | null {
  const n = new Map<string, number>();
  for (const f of failures) n.set(f.code, (n.get(f.code) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** The collected parts as DataFrames with explicit schemas (loads polars). */
export async function universeFrames(d: UniverseData) {
  const f = await import("./frames.ts");
  return {
    equities: f.equitiesFrame(d.equities),
    chains: f.nestedChainsFrame(d.chains),
    metrics: f.marketMetricsFrame(d.metrics),
    quotes: f.quotesFrame(d.quotes),
    failures: f.frame(d.failures, [
      { name: "symbol", kind: "str", get: (r) => r.symbol },
      { name: "endpoint", kind: "str", get: (r) => r.endpoint },
      { name: "code", kind: "str", get: (r) => r.code },
      { name: "reason", kind: "str", get: (r) => r.reason },
    ]),
  };
}
