/**
 * Stage 2, Symbol Data: the universe, then equities, nested option chains, market metrics and
 * quote snapshots — four independent collections, each its own cached artifact with its own TTL,
 * collected concurrently through the REST client's batch collection (graceful degradation within
 * the missing-data threshold).
 */
import pl from "nodejs-polars";
import {
  type CollectionFailure,
  collectUniverse,
  degradedError,
  isUnavailable,
  type MarketMetric,
  type TastyClient,
  type UniversePart,
  universeFrames,
} from "../../client/index.ts";
import type { ArtifactKind } from "../cache/kinds.ts";
import { artifactTask, type Computed } from "./artifact-task.ts";
import type { StageContext } from "./context.ts";
import type { TaskContext, TaskDef } from "./graph.ts";

/**
 * A view of the client that counts finished symbols per call, so a collection can report
 * "2800 of 6890" progress without the client knowing about the grid.
 */
export function progressClient(
  client: TastyClient,
  part: UniversePart,
  onSymbols: (n: number) => void,
): TastyClient {
  const counted = Object.create(client) as TastyClient;
  const wrap = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, size: (...a: A) => number) =>
    (async (...a: A) => {
      try {
        return await fn.apply(client, a);
      } finally {
        onSymbols(size(...a));
      }
    }) as (...a: A) => Promise<R>;
  if (part === "chains") Object.assign(counted, { nestedChain: wrap(client.nestedChain, () => 1) });
  if (part === "equities") Object.assign(counted, { equities: wrap(client.equities, (s) => s.length) });
  if (part === "metrics")
    Object.assign(counted, { marketMetrics: wrap(client.marketMetrics, (s) => s.length) });
  if (part === "quotes")
    Object.assign(counted, { quotes: wrap(client.quotes, (r) => r.equity?.length ?? 0) });
  return counted;
}

/** Per-expiration implied volatilities from market metrics (the metrics frame keeps one row per symbol). */
export function expirationIvFrame(metrics: readonly MarketMetric[]): pl.DataFrame {
  const symbol: string[] = [];
  const expiration: (string | null)[] = [];
  const settlement: (string | null)[] = [];
  const iv: (number | null)[] = [];
  for (const m of metrics)
    for (const e of m.expirationImpliedVolatilities) {
      symbol.push(m.symbol);
      expiration.push(e.expirationDate);
      settlement.push(e.settlementType);
      iv.push(e.impliedVolatility);
    }
  return pl
    .DataFrame([
      pl.Series("symbol", symbol, pl.Utf8),
      pl.Series("expiration_date", expiration, pl.Utf8),
      pl.Series("settlement_type", settlement, pl.Utf8),
      pl.Series("implied_volatility", iv, pl.Float64),
    ])
    .withColumns(pl.col("expiration_date").str.strptime(pl.Date, "%Y-%m-%d"));
}

/** Sort by the key columns (stable, nulls last) so row order never depends on arrival order. */
export function canonical(df: pl.DataFrame, keys: readonly string[]): pl.DataFrame {
  const present = keys.filter((k) => df.columns.includes(k));
  return df.height > 1 && present.length > 0 ? df.sort(present, false, true, true) : df;
}

/**
 * The reason a part cannot be had in this environment (e.g. "not available in sandbox"), found with
 * one request that is not retried; null where the part is served.
 */
async function unavailableHere(
  client: TastyClient,
  part: UniversePart,
  symbols: readonly string[],
  signal: AbortSignal,
): Promise<string | null> {
  if (client.env !== "sandbox" || symbols.length === 0) return null;
  if (part !== "metrics" && part !== "quotes") return null;
  try {
    if (part === "metrics") await client.marketMetrics(symbols.slice(0, 1), { signal });
    else await client.quotes({ equity: symbols.slice(0, 1) }, { signal });
    return null;
  } catch (e) {
    if (isUnavailable(e)) return String(e.details?.unavailable);
    return null; // any other failure is the collection's business (retries, threshold)
  }
}

/** "2 of 10 symbols missing: NOPE (unknown symbol), XYZ (HTTP 404 …)": every symbol named, up to 10. */
export function missingSymbols(failures: readonly CollectionFailure[], total: number): string | undefined {
  const bySymbol = new Map<string, string>();
  for (const f of failures) if (!bySymbol.has(f.symbol)) bySymbol.set(f.symbol, shortReason(f.reason));
  if (bySymbol.size === 0) return undefined;
  const named = [...bySymbol].slice(0, 10).map(([s, r]) => `${s} (${r})`);
  const more = bySymbol.size > 10 ? ` and ${bySymbol.size - 10} more` : "";
  return `${bySymbol.size} of ${total} symbols missing: ${named.join(", ")}${more}`;
}

/** A failure reason without the request line: "HTTP 404 (record_not_found: …)". */
function shortReason(reason: string): string {
  return reason.replace(/^GET \S+: /, "");
}

/** Symbols per chain collection slice (bounds the decoded records held at once). */
const CHAIN_SLICE = 64;

const PARTS: { part: UniversePart; kind: ArtifactKind; label: string }[] = [
  { part: "equities", kind: "instruments", label: "equities" },
  { part: "chains", kind: "chains", label: "option chains" },
  { part: "metrics", kind: "metrics", label: "market metrics" },
  { part: "quotes", kind: "quotes", label: "quotes" },
];

export function symbolTasks(sc: StageContext): TaskDef[] {
  const { env, params } = sc;
  const symbols = params.symbols;
  const universe = artifactTask(env, {
    id: "sym.universe",
    stage: "symbols",
    label: "universe",
    deps: [],
    ref: { kind: "universe", key: "symbols" },
    unit: "symbols",
    params: () => symbols,
    compute: async () => ({ frame: pl.DataFrame([pl.Series("symbol", symbols, pl.Utf8)]) }),
  });

  const collect = async (ctx: TaskContext, part: UniversePart): Promise<Computed> => {
    const { client } = await sc.api();
    const unavailable = await unavailableHere(client, part, symbols, ctx.signal);
    if (unavailable) {
      // Not served here (the sandbox): say so once instead of retrying and calling it missing data.
      const empty = await universeFrames({
        equities: [],
        chains: [],
        metrics: [],
        quotes: [],
        failures: [],
        requested: 0,
        complete: 0,
        missingFraction: 0,
        elapsedMs: 0,
      });
      return {
        frame: empty[part],
        ...(part === "metrics" ? { extras: { expiration_iv: expirationIvFrame([]) } } : {}),
        degraded: `${PARTS.find((p) => p.part === part)?.label ?? part} ${unavailable}`,
      };
    }
    let done = 0;
    ctx.progress(0, symbols.length, "symbols");
    const counted = progressClient(client, part, (n) => {
      done += n;
      ctx.progress(Math.min(done, symbols.length), symbols.length, "symbols");
    });
    // Chains are large (hundreds of strikes per symbol): collect them in slices and keep only the
    // columnar frames, so the decoded JS records of one slice are garbage before the next arrives.
    // The missing-data threshold still applies to the whole universe.
    const slice = part === "chains" ? CHAIN_SLICE : symbols.length || 1;
    const threshold = client.options.missingThreshold;
    const failures: CollectionFailure[] = [];
    const parts: pl.DataFrame[] = [];
    const ivParts: pl.DataFrame[] = [];
    for (let i = 0; i < Math.max(symbols.length, 1); i += slice) {
      const batch = symbols.slice(i, i + slice);
      // One slice: the client applies the threshold itself; several: we do, over the whole universe.
      const sliceThreshold = slice < symbols.length ? 1 : threshold;
      const data = await collectUniverse(counted, batch, {
        parts: [part],
        signal: ctx.signal,
        threshold: sliceThreshold,
      });
      failures.push(...data.failures);
      const missingSoFar = new Set(failures.map((f) => f.symbol)).size;
      if (missingSoFar > Math.floor(threshold * symbols.length))
        throw degradedError(symbols.length, missingSoFar, threshold, failures);
      const f = await universeFrames(data);
      parts.push(f[part]);
      if (part === "metrics") ivParts.push(expirationIvFrame(data.metrics));
    }
    const frames = {
      [part]: parts.length === 1 ? parts[0]! : pl.concat(parts, { how: "vertical" }),
    } as Record<UniversePart, pl.DataFrame>;
    const degraded = missingSymbols(failures, symbols.length);
    // Responses arrive in any order: sort so the same data always gives the same artifact.
    if (part === "metrics")
      return {
        frame: canonical(frames.metrics, ["symbol"]),
        extras: {
          expiration_iv: canonical(
            ivParts.length === 1 ? ivParts[0]! : pl.concat(ivParts, { how: "vertical" }),
            ["symbol", "expiration_date", "settlement_type"],
          ),
        },
        degraded,
      };
    const keys =
      part === "chains"
        ? ["underlying_symbol", "root_symbol", "expiration_date", "strike_price"]
        : ["symbol"];
    return { frame: canonical(frames[part], keys), degraded };
  };

  return [
    universe,
    ...PARTS.map(({ part, kind, label }) =>
      artifactTask(env, {
        id: `sym.${part}`,
        stage: "symbols",
        label,
        deps: ["sym.universe"],
        ref: { kind, key: part },
        staleIfError: true,
        params: () => ({ source: params.source }),
        unit: "rows",
        extras: part === "metrics" ? ["expiration_iv"] : undefined,
        compute: (ctx) => collect(ctx, part),
      }),
    ),
  ];
}
