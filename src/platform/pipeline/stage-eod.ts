/**
 * Stage 3, EOD Data: the MetaStock sources through the import engine (a dataset artifact), the
 * recent window of DXLink daily candles, and the merged bars dataset with cross-source duplicates
 * removed (count reported).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import pl from "nodejs-polars";
import { BAR_COLUMNS } from "../../core/bars.ts";
import { dataError } from "../../core/errors.ts";
import { BARS_TYPES_VERSION } from "../bars-schema.ts";
import { combineFingerprints, hashBytes } from "../cache/fingerprint.ts";
import { importBars } from "../import/index.ts";
import { barsSignature, countBars, publishBars, RUN_STAGING_PREFIX } from "../lake/bars.ts";
import { lakeRoot } from "../lake/paths.ts";
import { type ArtifactValue, artifactTask } from "./artifact-task.ts";
import { mergeBars } from "./bars-merge.ts";
import { candlesToBars } from "./candles-frame.ts";
import type { StageContext } from "./context.ts";
import type { TaskDef } from "./graph.ts";
import { type DailyCandles, fetchDailyCandles } from "./session.ts";
import { sourcesSignature } from "./source-fingerprint.ts";
import { quoteTokenFromValue } from "./stage-core.ts";

/** Content fingerprint of a dataset folder: every data file's bytes, in path order. */
export function datasetFingerprint(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".parquet")) parts.push(`${relative(dir, p)}:${hashBytes(readFileSync(p))}`);
    }
  };
  if (existsSync(dir)) walk(dir);
  return combineFingerprints(parts);
}

/**
 * Why the candle window is short, or undefined when it is not: symbols without candles (named),
 * undecodable data, and — when nothing at all arrived — how far the server's market date is behind.
 */
export function candlesShortfall(
  symbols: readonly string[],
  got: DailyCandles,
  fromDay: number,
  rows: number,
  /** The last session the client expects a bar for (days since epoch). */
  expectedLastDay: number,
): string | undefined {
  const reasons: string[] = [];
  if (symbols.length > 0 && rows === 0) {
    const from = isoDay(fromDay);
    const last = got.serverLastDay;
    reasons.push(
      last === undefined || last === null
        ? `the server returned no candles after ${from}`
        : `the server returned no candles after ${from}; its market date looks ${expectedLastDay - last} days behind (last bar ${isoDay(last)})`,
    );
  } else if (got.incomplete.length > 0) {
    const names = got.incomplete.slice(0, 10).join(", ");
    const more = got.incomplete.length > 10 ? ` and ${got.incomplete.length - 10} more` : "";
    reasons.push(`${got.incomplete.length} of ${symbols.length} symbols without candles: ${names}${more}`);
  }
  if (got.dropped > 0) reasons.push(`${got.dropped} DXLink data messages could not be decoded`);
  return reasons.length > 0 ? reasons.join("; ") : undefined;
}

const isoDay = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

const emptyBars = () =>
  pl
    .DataFrame([
      pl.Series("symbol", [] as string[], pl.Utf8),
      pl.Series("period", [] as string[], pl.Utf8),
      pl.Series("date", [] as number[], pl.Int32).cast(pl.Date),
      pl.Series("time", [] as number[], pl.Int32),
      ...["open", "high", "low", "close", "volume", "openint"].map((c) =>
        pl.Series(c, [] as number[], pl.Float64),
      ),
      pl.Series("source", [] as string[], pl.Utf8),
    ])
    .select(...BAR_COLUMNS);

export function eodTasks(sc: StageContext): TaskDef[] {
  const { env, params } = sc;
  const lake = lakeRoot(env.dataDir);
  const compression = env.config["import.compression"] as "zstd" | "snappy" | "none";
  return [
    artifactTask(env, {
      id: "eod.metastock",
      stage: "eod",
      label: "metastock",
      deps: [],
      dataset: true,
      ref: { kind: "eod", key: "metastock" },
      unit: "rows",
      // The sources' signature (every file's path, size, mtime) is in the parameters: unchanged
      // files are not re-imported every session, however old the import is.
      ignoreTtl: true,
      // `barsTypes`: a dataset cached before the text columns became Categorical is rebuilt, so the
      // merged dataset never mixes both forms (see ../bars-schema.ts).
      params: () => ({
        sources: sourcesSignature(
          params.sources,
          join(env.dataDir, "artifacts", "eod", ".source-hashes.json"),
        ),
        compression,
        csv: env.csv,
        barsTypes: BARS_TYPES_VERSION,
      }),
      compute: async (ctx, io) => {
        let summary: Awaited<ReturnType<typeof importBars>> | null = null;
        const manifest = await env.store.putDataset(
          { kind: "eod", key: "metastock" },
          async (staging) => {
            if (params.sources.length > 0) {
              summary = await sc.heavy(() =>
                importBars({
                  inputs: params.sources,
                  outDir: staging,
                  compression,
                  csv: env.csv,
                  workers: env.config["import.workers"],
                  signal: ctx.signal,
                  // Megabytes of input parsed: the total is known up front, rows are not.
                  onProgress: (p) =>
                    ctx.progress(
                      Math.round(p.bytes / 1e6),
                      Math.max(1, Math.round(p.totalBytes / 1e6)),
                      "MB",
                    ),
                }),
              );
            }
            const s = summary as Awaited<ReturnType<typeof importBars>> | null;
            return {
              rows: s?.rows ?? 0,
              fingerprint: datasetFingerprint(staging),
              meta: {
                files: s?.files ?? 0,
                duplicates: s?.duplicates ?? 0,
                skipped: s?.skipped ?? 0,
                errors: s?.errorCount ?? 0,
                firstErrors: (s?.errors ?? []).slice(0, 5),
              },
            };
          },
          { inputs: io.inputs, params: io.params },
        );
        const errs = Number(manifest.meta.errors ?? 0);
        return { manifest, degraded: errs > 0 ? `${errs} malformed rows skipped` : undefined };
      },
    }),
    artifactTask(env, {
      id: "eod.candles",
      stage: "eod",
      label: "dxlink candles",
      // The instruments the API knows (not the raw universe): the feed never completes a snapshot
      // for a symbol it does not have, and DXLink wants the streamer symbol.
      deps: ["core.quote-token", "sym.equities"],
      untracked: ["core.quote-token"],
      ref: { kind: "eod", key: "candles" },
      staleIfError: true,
      unit: "bars",
      params: () => ({ days: params.candleDays, source: params.source }),
      compute: async (ctx) => {
        const session = await sc.api();
        const token = quoteTokenFromValue(ctx.input<ArtifactValue>("core.quote-token"));
        const equities = ctx.input<ArtifactValue>("sym.equities").frame();
        const wanted = new Set(params.symbols);
        const streamerToSymbol = new Map<string, string>();
        if (equities.height > 0) {
          const sym = equities.getColumn("symbol").toArray() as string[];
          const streamer = equities.columns.includes("streamer_symbol")
            ? (equities.getColumn("streamer_symbol").toArray() as (string | null)[])
            : [];
          sym.forEach((s, i) => {
            if (wanted.has(s)) streamerToSymbol.set(streamer[i] || s, s);
          });
        }
        const feedSymbols = [...streamerToSymbol.keys()].sort();
        const fromDay = session.marketDay - params.candleDays;
        ctx.progress(0, feedSymbols.length, "symbols");
        const got = await fetchDailyCandles(session, token, feedSymbols, fromDay, {
          signal: ctx.signal,
          regularHours: env.config["run.candle-regular-hours"],
        });
        ctx.progress(feedSymbols.length - got.incomplete.length, feedSymbols.length, "symbols");
        const missing = got.incomplete.length;
        const threshold = env.config["api.missing-threshold"];
        if (feedSymbols.length > 0 && missing / feedSymbols.length > threshold) {
          throw dataError(
            `DXLink candle history incomplete for ${missing} of ${feedSymbols.length} symbols (e.g. ${got.incomplete.slice(0, 3).join(", ")})`,
            { hint: "the DXLink feed is failing; retry later or raise api.missing-threshold" },
          );
        }
        const renamed = new Map([...got.bars].map(([k, v]) => [streamerToSymbol.get(k) ?? k, v]));
        const bars = renamed.size
          ? candlesToBars(renamed).filter(pl.col("date").cast(pl.Int32).ltEq(session.lastFinalDay))
          : emptyBars();
        return {
          frame: bars,
          degraded: candlesShortfall(feedSymbols, got, fromDay, bars.height, session.lastFinalDay),
        };
      },
    }),
    artifactTask(env, {
      id: "eod.bars",
      stage: "eod",
      label: "merge + dedupe",
      deps: ["eod.metastock", "eod.candles"],
      // API down or credentials wrong: the local MetaStock bars still make bars and statistics.
      optional: ["eod.candles"],
      dataset: true,
      ref: { kind: "eod", key: "bars" },
      unit: "rows",
      params: () => ({ csv: env.csv }),
      // The merged bars are the lake's `bars` table itself: a stored version is only reusable
      // while nobody (an import, a prune, a compact) has changed the table since.
      validate: (m) => (m.meta.signature === barsSignature(lake) ? null : "lake bars changed"),
      compute: async (ctx, io) => {
        const ms = ctx.input<ArtifactValue>("eod.metastock");
        const candlesMissing = ctx.failed("eod.candles");
        const candles = candlesMissing === null ? ctx.input<ArtifactValue>("eod.candles") : null;
        const without =
          candlesMissing === null ? undefined : `without the recent DXLink candles (${candlesMissing})`;
        // Staged beside the lake (same filesystem: what publishes hard-links, not copies).
        const staging = join(lake, `${RUN_STAGING_PREFIX}${process.pid}-${Date.now()}`);
        mkdirSync(staging, { recursive: true });
        try {
          const r = mergeBars(
            ms.dir ? { dir: ms.dir, rows: ms.rows, fingerprint: ms.fingerprint } : null,
            candles ? candles.frame() : emptyBars(),
            staging,
            { compression, link: false },
          );
          // The staging holds the candle parts; the MetaStock files are published from the cache.
          const pub = await publishBars(lake, ms.dir ? [ms.dir, staging] : staging, {
            compression,
            signal: ctx.signal,
          });
          const importDup = Number(ms.meta.duplicates ?? 0);
          const manifest = env.store.commitExternal(
            { kind: "eod", key: "bars" },
            {
              rows: countBars(lake),
              fingerprint: barsSignature(lake),
              meta: {
                lake: "bars",
                signature: barsSignature(lake),
                duplicates: importDup + r.duplicates,
                importDuplicates: importDup,
                candleDuplicates: r.duplicates,
                candlesAdded: r.added,
                published: pub,
                // A degraded version is never reused by `--cached` (artifact-task.ts).
                ...(without ? { degraded: without } : {}),
              },
            },
            { inputs: io.inputs, params: io.params },
          );
          for (const line of pub.unreadable) env.log.warn(line);
          const bad = pub.unreadable.length;
          return {
            manifest,
            degraded:
              [
                without,
                bad > 0
                  ? `${bad} lake bars file${bad === 1 ? "" : "s"} unreadable: ${pub.unreadable[0]}`
                  : undefined,
              ]
                .filter(Boolean)
                .join("; ") || undefined,
          };
        } finally {
          rmSync(staging, { recursive: true, force: true });
        }
      },
    }),
  ];
}
