/**
 * Stage 4, Math: the statistics engine over the merged bars (returns, realized-volatility
 * estimators, intervals, cone), then IV vs HV (market metrics' IV index against our HV30) and the
 * expected move per option expiration (chains' expirations, per-expiration IV from the metrics,
 * price from the quote snapshots).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { isoFromDays } from "../../core/bars.ts";
import { newYorkDay } from "../../core/time.ts";
import {
  type ExpectedMoveRow,
  expectedMoves,
  type IvHvRow,
  ivVsHv,
  normalQuantile,
} from "../../stats/index.ts";
import { combineFingerprints, frameFingerprint } from "../cache/fingerprint.ts";
import { primeS3Listing, resolveLakeRoot } from "../lake/index.ts";
import { updateStats } from "../stats/index.ts";
import { ivHistoryFrame } from "../stats/iv-history.ts";
import { type ArtifactValue, artifactTask } from "./artifact-task.ts";
import type { StageContext } from "./context.ts";
import { collectFromCleanStack } from "./gc.ts";
import type { TaskDef } from "./graph.ts";
import { type StatsUpdateMeta, statsStateFile, statsUpdateLine } from "./stats-update.ts";

const STATS_TABLES = ["latest", "returns", "cone", "symbols"] as const;

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function ivHvFrame(rows: readonly IvHvRow[]): pl.DataFrame {
  return pl.DataFrame([
    pl.Series(
      "symbol",
      rows.map((r) => r.symbol),
      pl.Utf8,
    ),
    pl.Series(
      "iv_index",
      rows.map((r) => r.ivIndex),
      pl.Float64,
    ),
    pl.Series(
      "hv30",
      rows.map((r) => r.hv30),
      pl.Float64,
    ),
    pl.Series(
      "spread",
      rows.map((r) => r.spread),
      pl.Float64,
    ),
    pl.Series(
      "ratio",
      rows.map((r) => r.ratio),
      pl.Float64,
    ),
    pl.Series(
      "reason",
      rows.map((r) => r.reason),
      pl.Utf8,
    ),
  ]);
}

export function movesFrame(rows: readonly ExpectedMoveRow[]): pl.DataFrame {
  return pl.DataFrame([
    pl.Series(
      "symbol",
      rows.map((r) => r.symbol),
      pl.Utf8,
    ),
    pl.Series(
      "expiration",
      rows.map((r) => r.expiration),
      pl.Utf8,
    ),
    pl.Series(
      "dte",
      rows.map((r) => r.dte),
      pl.Float64,
    ),
    pl.Series(
      "iv",
      rows.map((r) => r.iv),
      pl.Float64,
    ),
    pl.Series(
      "price",
      rows.map((r) => r.price),
      pl.Float64,
    ),
    pl.Series(
      "move",
      rows.map((r) => r.move),
      pl.Float64,
    ),
    pl.Series(
      "low_1sd",
      rows.map((r) => r.low1sd),
      pl.Float64,
    ),
    pl.Series(
      "high_1sd",
      rows.map((r) => r.high1sd),
      pl.Float64,
    ),
    pl.Series(
      "ci_low",
      rows.map((r) => r.ciLow),
      pl.Float64,
    ),
    pl.Series(
      "ci_high",
      rows.map((r) => r.ciHigh),
      pl.Float64,
    ),
    pl.Series(
      "reason",
      rows.map((r) => r.reason),
      pl.Utf8,
    ),
  ]);
}

/** Column of a frame as JS values, keyed by the frame's `symbol` column. */
function bySymbol(df: pl.DataFrame, col: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!df.columns.includes(col) || df.height === 0) return out;
  const syms = df.getColumn("symbol").toArray() as string[];
  const vals = df.getColumn(col).toArray();
  for (let i = 0; i < syms.length; i++) out.set(syms[i]!, vals[i]);
  return out;
}

export function mathTasks(sc: StageContext): TaskDef[] {
  const { env, params } = sc;
  return [
    artifactTask(env, {
      id: "math.stats",
      stage: "math",
      label: "statistics",
      deps: ["eod.bars"],
      dataset: true,
      ref: { kind: "stats", key: "volatility" },
      unit: "bars",
      cachedCount: (m) => Number(m.meta.barsRead ?? m.rows),
      params: () => ({
        windows: params.windows,
        annualization: params.annualization,
        confidence: params.confidence,
        coneLookback: params.coneLookback,
        csv: env.csv,
      }),
      compute: async (ctx, io) => {
        const bars = ctx.input<ArtifactValue>("eod.bars");
        let rowsRead = 0;
        let failures = 0;
        const manifest = await env.store.putDataset(
          { kind: "stats", key: "volatility" },
          async (staging) => {
            if (bars.rows === 0) return { rows: 0, fingerprint: "no-bars", meta: { symbols: 0 } };
            // A full recompute (no state yet, --force) is the memory peak of a run: start it with
            // the garbage gone. A daily update from the state reads a few bars per symbol; a full
            // collection would cost it more than the update itself (and grows with the heap).
            const stateFile = statsStateFile(env.dataDir);
            const fullRecompute = env.force || !existsSync(stateFile);
            const runUpdate = async () => {
              if (fullRecompute) await collectFromCleanStack();
              // Incremental: only the bar parts added since the saved state are read; a symbol
              // whose past changed (a correction, a rewritten part) is recomputed and named.
              return await updateStats({
                dataDir: bars.dir!,
                outDir: staging,
                stateFile,
                windows: params.windows,
                annualization: params.annualization,
                confidence: params.confidence,
                coneLookback: params.coneLookback,
                csv: env.csv,
                workers: env.config["import.workers"],
                full: env.force,
                signal: ctx.signal,
              });
            };
            // A full recompute is one of the run's memory-heavy passes (see StageContext.heavy).
            const r = fullRecompute ? await sc.heavy(runUpdate) : await runUpdate();
            rowsRead = r.barsRead;
            failures = r.failures.length;
            for (const f of r.failures) env.log.warn(`statistics: skipped ${f.symbol}: ${f.message}`);
            const update: StatsUpdateMeta = {
              symbols: r.symbols,
              incremental: r.incremental,
              recomputed: r.recomputed.length,
              reasons: r.recomputed.slice(0, 20),
              barsRead: r.barsRead,
              stateBytes: r.stateBytes,
              seconds: r.seconds,
            };
            env.log.info(statsUpdateLine(update));
            const fps = STATS_TABLES.map(
              (t) => `${t}:${frameFingerprint(pl.readParquet(join(staging, "stats", `${t}.parquet`)))}`,
            );
            return {
              rows: r.tables.latest.symbol.length,
              fingerprint: combineFingerprints(fps),
              meta: { symbols: r.symbols, barsRead: r.barsRead, failures: r.failures.slice(0, 20), update },
            };
          },
          { inputs: io.inputs, params: io.params },
        );
        return {
          manifest,
          count: rowsRead || bars.rows,
          // Asked for statistics of a universe and given no bars: that is not a complete result.
          degraded:
            bars.rows === 0 && params.symbols.length > 0
              ? "no bars to compute statistics from (see EOD Data)"
              : failures > 0
                ? `${failures} symbols without statistics`
                : undefined,
        };
      },
    }),
    artifactTask(env, {
      id: "math.iv-hv",
      stage: "math",
      label: "IV vs HV",
      deps: ["math.stats", "sym.metrics", "sym.option-quotes"],
      ref: { kind: "stats", key: "iv-hv" },
      unit: "symbols",
      compute: async (ctx) => {
        const stats = ctx.input<ArtifactValue>("math.stats");
        const metrics = ctx.input<ArtifactValue>("sym.metrics").frame();
        const hv =
          stats.dir && stats.rows > 0
            ? bySymbol(pl.readParquet(join(stats.dir, "stats", "symbols.parquet")), "hv30")
            : new Map();
        const iv = bySymbol(metrics, "implied_volatility_index");
        const syms = [...iv.keys()].sort();
        const base = ivHvFrame(syms.map((s) => ivVsHv(s, num(iv.get(s)), num(hv.get(s)))));
        // Own IV rank/percentile from the lake's history, beside the API's rank (README "iv_hv").
        // The lake the run writes to (an s3:// root is listed once for the synchronous reader).
        const root = resolveLakeRoot(env.config, env.dataDir);
        await primeS3Listing(root);
        const own = ivHistoryFrame({
          lakeRoot: root,
          // The run's trading date: the lake partition this snapshot replaces is not its history.
          date: params.snapshotDate ?? isoFromDays(newYorkDay(Date.now())),
          metrics,
          // This run's option quotes (the lake's partition of the date is written after the run).
          optionQuotes: ctx.input<ArtifactValue>("sym.option-quotes").frame(),
          symbols: syms,
        });
        return {
          frame: base.join(own, { on: "symbol", how: "left" }),
          degraded:
            syms.length === 0 && params.symbols.length > 0
              ? "no implied volatilities to compare (market metrics missing)"
              : undefined,
        };
      },
    }),
    artifactTask(env, {
      id: "math.expected-moves",
      stage: "math",
      label: "expected moves",
      deps: ["sym.chains", "sym.metrics", "sym.quotes"],
      ref: { kind: "stats", key: "expected-moves" },
      unit: "expirations",
      params: () => ({ confidence: params.confidence }),
      compute: async (ctx) => {
        const metricsV = ctx.input<ArtifactValue>("sym.metrics");
        const chains = ctx.input<ArtifactValue>("sym.chains").frame();
        const quotes = ctx.input<ArtifactValue>("sym.quotes").frame();
        const ivIndex = bySymbol(metricsV.frame(), "implied_volatility_index");
        const mark = bySymbol(quotes, "mark");
        const last = bySymbol(quotes, "last");
        const expIv = new Map<string, number | null>();
        const ex = metricsV.extra("expiration_iv");
        if (ex.height > 0) {
          const s = ex.getColumn("symbol").toArray() as string[];
          const d = ex.getColumn("expiration_date").cast(pl.Int32).toArray() as (number | null)[];
          const v = ex.getColumn("implied_volatility").toArray() as (number | null)[];
          for (let i = 0; i < s.length; i++) if (d[i] !== null) expIv.set(`${s[i]}|${d[i]}`, v[i] ?? null);
        }
        // One row per (underlying, expiration) of the chains.
        const exps = chains.height
          ? chains
              .select("underlying_symbol", "expiration_date", "days_to_expiration")
              .unique({ maintainOrder: true })
              .sort(["underlying_symbol", "expiration_date"])
          : null;
        const perSymbol = new Map<string, { expiration: string; dte: number; iv: number | null }[]>();
        if (exps) {
          const u = exps.getColumn("underlying_symbol").toArray() as string[];
          const d = exps.getColumn("expiration_date").cast(pl.Int32).toArray() as (number | null)[];
          const dte = exps.getColumn("days_to_expiration").toArray() as (number | bigint | null)[];
          for (let i = 0; i < u.length; i++) {
            if (d[i] === null) continue;
            const list = perSymbol.get(u[i]!) ?? [];
            list.push({
              expiration: isoFromDays(d[i]!),
              dte: Number(dte[i] ?? Number.NaN),
              iv: num(expIv.get(`${u[i]}|${d[i]}`)),
            });
            perSymbol.set(u[i]!, list);
          }
        }
        const z = normalQuantile(1 - (1 - params.confidence) / 2);
        const rows: ExpectedMoveRow[] = [];
        for (const sym of [...perSymbol.keys()].sort()) {
          const price = num(mark.get(sym)) ?? num(last.get(sym));
          rows.push(
            ...expectedMoves(
              { symbol: sym, ivIndex: num(ivIndex.get(sym)), price, expirations: perSymbol.get(sym)! },
              z,
            ),
          );
        }
        return {
          frame: movesFrame(rows),
          degraded:
            rows.length === 0 && params.symbols.length > 0
              ? "no expirations to compute moves for (option chains missing)"
              : undefined,
        };
      },
    }),
  ];
}
