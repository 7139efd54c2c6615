/**
 * `ttapi stats`: realized-volatility statistics of the bars dataset. Writes `DIR/stats/*.parquet`
 * (+ CSV with --csv) and prints a table of the latest estimates, or with --json one JSON array
 * `[{symbol, window, estimator, vol, ci_low, ci_high, n}]` (annualised fractions) on stdout.
 */
import { defineCommand } from "citty";
import { ERROR_CODES, usageError } from "../../core/errors.ts";
import { escapeControl, readInputText } from "../../core/input-file.ts";
import type { ComputeStatsResult, Estimator, ImpliedInput } from "../../platform/stats/index.ts";
import { globalArgs, lakeArgs, runAction } from "../context.ts";
import { countOf, rateOf } from "../grid/render.ts";

const ESTIMATOR_LABEL: Record<string, string> = {
  close_to_close: "C2C",
  parkinson: "PARK",
  garman_klass: "GK",
  rogers_satchell: "RS",
  yang_zhang: "YZ",
};

export interface LatestJsonRow {
  symbol: string;
  window: number;
  estimator: string;
  vol: number | null;
  ci_low: number | null;
  ci_high: number | null;
  n: number;
  reason?: string;
}

/** The --json document: one object per (symbol, window, estimator); `reason` only when vol is null. */
export function latestJson(r: ComputeStatsResult): LatestJsonRow[] {
  const L = r.latest;
  return L.symbol.map((symbol, i) => {
    const row: LatestJsonRow = {
      symbol,
      window: L.window[i]!,
      estimator: L.estimator[i]!,
      vol: L.vol[i] ?? null,
      ci_low: L.ci_low[i] ?? null,
      ci_high: L.ci_high[i] ?? null,
      n: L.n[i]!,
    };
    if (row.vol === null) row.reason = L.reason[i] ?? "unavailable";
    return row;
  });
}

const ESTIMATOR_ALIASES: Record<string, Estimator> = {
  c2c: "close_to_close",
  close_to_close: "close_to_close",
  park: "parkinson",
  parkinson: "parkinson",
  gk: "garman_klass",
  garman_klass: "garman_klass",
  rs: "rogers_satchell",
  rogers_satchell: "rogers_satchell",
  yz: "yang_zhang",
  yang_zhang: "yang_zhang",
};

/** `c2c,yz` → canonical estimator names; an unknown name is a usage error listing the valid ones. */
export function parseEstimators(text: string): Estimator[] {
  const out: Estimator[] = [];
  for (const raw of text.split(",")) {
    const name = raw.trim().toLowerCase().replace(/-/g, "_");
    if (!name) continue;
    const e = ESTIMATOR_ALIASES[name];
    if (!e)
      throw usageError(`unknown estimator "${raw.trim()}"`, {
        hint: `use some of: ${Object.keys(ESTIMATOR_ALIASES).join(", ")}`,
      });
    if (!out.includes(e)) out.push(e);
  }
  if (out.length === 0) throw usageError("--estimators is empty", { hint: "e.g. --estimators c2c,yz" });
  return out;
}

/** Market metrics for thousands of symbols are a few MiB; far more is a wrong file. */
const METRICS_MAX_BYTES = 64 * 1024 * 1024;

async function readMetrics(path: string): Promise<ImpliedInput[]> {
  const { parseImpliedInputs } = await import("../../platform/stats/index.ts");
  // A regular file of bounded size: `--metrics /dev/zero` or a FIFO fails at once, not never.
  const text = readInputText(path, "--metrics file", METRICS_MAX_BYTES);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw usageError(`--metrics ${path}: ${(e as Error).message}`, { hint: "pass a readable JSON file" });
  }
  return parseImpliedInputs(doc, path);
}

/** IV index vs HV30 per symbol, then the expected move per expiration. */
export function impliedTable(r: ComputeStatsResult): string {
  const rows: string[][] = [["SYMBOL", "IV", "HV30", "IV−HV", "IV/HV", "NOTE"]];
  for (const x of r.ivHv) {
    rows.push([
      x.symbol,
      pct(x.ivIndex),
      pct(x.hv30),
      pct(x.spread),
      x.ratio === null ? "—" : x.ratio.toFixed(2),
      x.reason ?? "",
    ]);
  }
  const moves: string[][] = [["SYMBOL", "EXPIRATION", "DTE", "IV", "PRICE", "±1σ MOVE", "1σ RANGE", "NOTE"]];
  for (const m of r.expectedMoves) {
    const f = (v: number | null) => (v === null ? "—" : v.toFixed(2));
    moves.push([
      m.symbol,
      m.expiration,
      String(m.dte),
      pct(m.iv),
      f(m.price),
      f(m.move),
      m.move === null ? "—" : `${f(m.low1sd)}–${f(m.high1sd)}`,
      m.reason ?? "",
    ]);
  }
  const render = (t: string[][]) => {
    const widths = t[0]!.map((_, k) => Math.max(...t.map((l) => l[k]!.length)));
    return t
      .map((l) =>
        l
          .map((c, k) => c.padEnd(widths[k]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n");
  };
  return `${render(rows)}\n\n${render(moves)}`;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "—" : (x * 100).toFixed(1));

/**
 * Readable table: one line per (symbol, window), annualised vol in % per estimator present, the
 * first estimator's interval in brackets; a note per distinct reason for the blanks.
 */
export function latestTable(r: ComputeStatsResult, confidence: number): string {
  const L = r.latest;
  const present = new Set(L.estimator);
  const estimators = Object.keys(ESTIMATOR_LABEL).filter((e) => present.has(e));
  const [first, ...rest] = estimators;
  const ciLabel = `${Math.round(confidence * 100)}% CI`;
  const lines: string[][] = [
    [
      "SYMBOL",
      "WIN",
      ...(first ? [ESTIMATOR_LABEL[first]!, `[${ciLabel}]`] : []),
      ...rest.map((e) => ESTIMATOR_LABEL[e]!),
    ],
  ];
  const notes = new Map<string, string>();
  // The interval's bounds are padded to one width each, so its digits line up from row to row.
  const firstRows =
    first === undefined ? [] : L.estimator.map((e, k) => (e === first ? k : -1)).filter((k) => k >= 0);
  const loW = Math.max(1, ...firstRows.map((k) => pct(L.ci_low[k]).length));
  const hiW = Math.max(1, ...firstRows.map((k) => pct(L.ci_high[k]).length));
  let i = 0;
  while (i < L.symbol.length) {
    const symbol = L.symbol[i]!;
    const window = L.window[i]!;
    const cells = new Map<string, number>();
    for (; i < L.symbol.length && L.symbol[i] === symbol && L.window[i] === window; i++) {
      cells.set(L.estimator[i]!, i);
      const reason = L.reason[i];
      if (reason) notes.set(`${symbol}: ${reason.replace(/^window \d+ /, "window ")}`, symbol);
    }
    const c = first === undefined ? undefined : cells.get(first);
    const known = c !== undefined && L.vol[c] != null;
    const firstCells = [
      known ? pct(L.vol[c!]) : "—",
      known ? `[${pct(L.ci_low[c!]).padStart(loW)}–${pct(L.ci_high[c!]).padStart(hiW)}]` : "",
    ];
    lines.push([
      symbol,
      String(window),
      ...(first ? firstCells : []),
      ...rest.map((e) => pct(cells.has(e) ? L.vol[cells.get(e)!] : null)),
    ]);
  }
  const widths = lines[0]!.map((_, k) => Math.max(...lines.map((l) => l[k]!.length)));
  const out = lines.map((l) =>
    l.map((cell, k) => (k < 1 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join("  "),
  );
  out.splice(1, 0, widths.map((w) => "─".repeat(w)).join("  "));
  out.push("", "annualised volatility in %; — = not available:");
  const noteList = [...notes.keys()];
  for (const n of noteList.slice(0, 20)) out.push(`  ${n}`);
  if (noteList.length > 20)
    out.push(`  … and ${noteList.length - 20} more (see stats/latest.parquet, column reason)`);
  if (noteList.length === 0) out.pop();
  return out.join("\n");
}

export default defineCommand({
  meta: {
    name: "stats",
    description:
      "returns, realized volatility (C2C, Parkinson, Garman–Klass, Rogers–Satchell, Yang–Zhang), CIs, cone",
  },
  args: {
    ...globalArgs,
    ...lakeArgs,
    data: {
      type: "string",
      description:
        "data directory: its lake (DIR/lake/bars), or a dataset root holding bars/ (same as --data-dir)",
      valueHint: "DIR",
    },
    symbols: {
      type: "string",
      description: "only these symbols, comma-separated (default: all)",
      valueHint: "A,B,…",
    },
    windows: {
      type: "string",
      description: "windows in trading days (default 10,20,30,60,90,252)",
      valueHint: "20,60",
    },
    confidence: {
      type: "string",
      description: "confidence level of the intervals (default 0.95)",
      valueHint: "0.95",
    },
    annualization: { type: "string", description: "periods per year (default 252)", valueHint: "N" },
    "cone-lookback": {
      type: "string",
      description:
        "bars the volatility cone and HV percentile look back over (default 252; 1260 = five years)",
      valueHint: "N",
    },
    estimators: {
      type: "string",
      description: "estimators: c2c,parkinson,gk,rs,yz (default: all)",
      valueHint: "c2c,yz",
    },
    workers: { type: "string", description: "worker threads (default: one per core)", valueHint: "N" },
    json: { type: "boolean", description: "print the latest estimates as one JSON array on stdout" },
    csv: { type: "boolean", description: "also write CSV mirrors of stats/*.parquet" },
    rolling: { type: "boolean", description: "also write every symbol's rolling series to stats/rolling/" },
    incremental: {
      type: "boolean",
      description:
        "update from the saved state (stats/state/daily.state): read only new bar parts, recompute a symbol only when its past changed",
    },
    metrics: {
      type: "string",
      description:
        "market metrics JSON for IV vs HV30 and expected moves ([{symbol, ivIndex, price, expirations}])",
      valueHint: "FILE",
    },
  },
  run: ({ args }) =>
    runAction(
      "stats",
      args,
      async ({ config, dataDir, lake, signal }) => {
        if (args.incremental) {
          const clash = (["symbols", "metrics", "rolling", "csv", "workers"] as const).filter(
            (k) => args[k] !== undefined && args[k] !== false,
          );
          if (clash.length > 0)
            throw usageError(`--incremental cannot be combined with --${clash.join(", --")}`, {
              hint: "the incremental update covers every symbol of the dataset",
            });
          const { updateStats } = await import("../../platform/stats/index.ts");
          const lakeMod = await import("../../platform/lake/index.ts");
          // The bars of lake.root: an s3:// lake's through the local mirror (changed objects only).
          let barsDir: string;
          if (lakeMod.isS3Root(lake)) {
            barsDir = lakeMod.s3MirrorDir(dataDir, lake);
            await lakeMod.syncBarsDown(lake, barsDir);
          } else if (config["lake.root"]) barsDir = lake;
          else {
            const { barsSource } = await import("../../platform/pipeline/index.ts");
            barsDir = await barsSource(dataDir);
          }
          const u = await updateStats({
            dataDir: barsDir,
            outDir: dataDir,
            ...(args.estimators ? { estimators: parseEstimators(String(args.estimators)) } : {}),
            windows: config["stats.windows"],
            confidence: config["stats.confidence"],
            annualization: config["stats.annualization"],
            coneLookback: config["stats.cone-lookback"],
            signal,
          });
          const view = { latest: u.tables.latest } as ComputeStatsResult;
          if (args.json) process.stdout.write(`${JSON.stringify(latestJson(view))}\n`);
          else process.stdout.write(`${latestTable(view, config["stats.confidence"])}\n`);
          process.stderr.write(
            `stats: ${u.symbols} symbols in ${u.seconds.toFixed(2)} s: ${u.incremental} updated from their state, ${u.recomputed.length} recomputed, ${u.barsRead} bars read → ${dataDir}/stats/\n`,
          );
          for (const r of u.recomputed.slice(0, 20))
            process.stderr.write(`  recomputed ${r.symbol}: ${r.reason}\n`);
          if (u.recomputed.length > 20) process.stderr.write(`  … and ${u.recomputed.length - 20} more\n`);
          for (const f of u.failures)
            process.stderr.write(
              escapeControl(`ttapi: skipped ${f.symbol}: ${f.message}`) +
                (f.hint ? `\n  hint: ${escapeControl(f.hint)}\n` : "\n"),
            );
          return u.failures.length > 0 ? ERROR_CODES.E_DEGRADED.exit : 0;
        }
        const { computeStats } = await import("../../platform/stats/index.ts");
        const { barsSource } = await import("../../platform/pipeline/index.ts");
        const lakeMod = await import("../../platform/lake/index.ts");
        const symbols = args.symbols
          ? String(args.symbols)
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : undefined;
        // The data directory's lake by default; a plain dataset root (DIR/bars) still works. An
        // s3:// lake: the bars needed (only --symbols' objects, if given) are brought into a local
        // mirror first; objects unchanged since the last time are not fetched again.
        let bars: string;
        if (lakeMod.isS3Root(lake)) {
          bars = lakeMod.s3MirrorDir(dataDir, lake);
          await lakeMod.syncBarsDown(lake, bars, symbols ? { symbols: new Set(symbols) } : {});
        } else bars = config["lake.root"] ? lake : await barsSource(dataDir);
        const estimators = args.estimators ? parseEstimators(String(args.estimators)) : undefined;
        const metrics = args.metrics ? await readMetrics(String(args.metrics)) : undefined;
        const r = await computeStats({
          dataDir: bars,
          outDir: dataDir,
          ...(symbols ? { symbols } : {}),
          ...(estimators ? { estimators } : {}),
          windows: config["stats.windows"],
          confidence: config["stats.confidence"],
          annualization: config["stats.annualization"],
          coneLookback: config["stats.cone-lookback"],
          workers: config["import.workers"],
          csv: config["run.csv"],
          rolling: args.rolling === true,
          ...(metrics ? { metrics } : {}),
          signal,
        });
        if (args.json) process.stdout.write(`${JSON.stringify(latestJson(r))}\n`);
        else {
          process.stdout.write(`${latestTable(r, config["stats.confidence"])}\n`);
          if (r.ivHv.length > 0) process.stdout.write(`\n${impliedTable(r)}\n`);
        }
        const rate = rateOf(r.rows, r.seconds, "bars");
        process.stderr.write(
          `stats: ${countOf(r.symbols, "symbols")}, ${countOf(r.rows, "bars")} in ${r.seconds.toFixed(2)} s${rate ? ` (${rate})` : ""} → ${dataDir}/stats/\n`,
        );
        for (const f of r.failures)
          process.stderr.write(
            escapeControl(`ttapi: skipped ${f.symbol}: ${f.message}`) +
              (f.hint ? `\n  hint: ${escapeControl(f.hint)}\n` : "\n"),
          );
        return r.failures.length > 0 ? ERROR_CODES.E_DEGRADED.exit : 0;
      },
      {
        data: "data-dir",
        windows: "stats.windows",
        confidence: "stats.confidence",
        annualization: "stats.annualization",
        "cone-lookback": "stats.cone-lookback",
        workers: "import.workers",
        csv: "run.csv",
      },
    ),
});
