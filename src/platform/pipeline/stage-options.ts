/**
 * Option quotes with greeks: for the options the configured filter selects (nearest
 * `options.expirations` expirations, strikes within ± `options.strike-range` of the underlying's
 * price), one DXLink pass over Quote, Greeks, Summary and Trade, turned into one row per option —
 * the lake step writes it as the day's `lake/option_quotes/date=…/` partition. Options that never answered are
 * counted and named (summary, JSON, log); the run is degraded by them, and fails beyond
 * `api.missing-threshold` — the previous partitions stay as they were.
 */
import pl from "nodejs-polars";
import { isoFromDays } from "../../core/bars.ts";
import { dataError } from "../../core/errors.ts";
import { isTradingDay, newYorkDay, newYorkToUtc } from "../../core/time.ts";
import { type ArtifactValue, artifactTask } from "./artifact-task.ts";
import type { StageContext } from "./context.ts";
import { collectFromCleanStack } from "./gc.ts";
import type { TaskDef } from "./graph.ts";
import { withSnapshotTime } from "./lake-frames.ts";
import {
  checkFilter,
  missingChainColumns,
  type OptionFilter,
  type SelectedOption,
  selectOptions,
  underlyingPrices,
} from "./option-select.ts";
import { collectOptionSnapshot, type OptionSnapshot } from "./option-snapshot.ts";
import { withDxlink } from "./session.ts";
import { quoteTokenFromValue } from "./stage-core.ts";

function dayOfIso(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
}

/**
 * The trading date a snapshot taken at `ms` describes: that New York day once its session has
 * opened, else the session before (a weekend, a holiday or an early-morning run shows the last one).
 */
export function tradingDateOf(ms: number): number {
  let d = newYorkDay(ms);
  if (isTradingDay(d) && ms >= newYorkToUtc(d, 9, 30)) return d;
  d--;
  while (!isTradingDay(d)) d--;
  return d;
}

export function optionFilterFromConfig(config: StageContext["env"]["config"]): OptionFilter {
  return checkFilter({
    expirations: config["options.expirations"],
    strikeRange: config["options.strike-range"],
  });
}

/** How many names an error or summary line lists before "+N more". */
const NAMES_SHOWN = 5;

export function namesLine(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(", ");
  return names.length > NAMES_SHOWN ? `${shown} (+${names.length - NAMES_SHOWN} more)` : shown;
}

/** The `option_quotes` table: README "The lake" documents every column. */
export function optionQuotesFrame(
  selected: readonly SelectedOption[],
  snap: OptionSnapshot,
  snapshotMs: number,
  date: number,
): pl.DataFrame {
  const rows = selected.filter((o) => {
    const t = snap.ticks.get(o.streamer);
    return t !== undefined && (t.seen & 3) === 3;
  });
  const tick = (o: SelectedOption) => snap.ticks.get(o.streamer)!;
  const f64 = (name: string, get: (o: SelectedOption) => number | null) =>
    pl.Series(name, rows.map(get), pl.Float64);
  const mid = (o: SelectedOption) => {
    const t = tick(o);
    return t.bid !== null && t.ask !== null ? Math.round(((t.bid + t.ask) / 2) * 10_000) / 10_000 : null;
  };
  // snapshot_time is one literal, not a Date object per row (175k of them at full scale).
  const df = pl.DataFrame([
    pl.Series(
      "underlying_symbol",
      rows.map((o) => o.underlying),
      pl.Utf8,
    ),
    pl.Series(
      "root_symbol",
      rows.map((o) => o.root),
      pl.Utf8,
    ),
    pl.Series(
      "option_symbol",
      rows.map((o) => o.option),
      pl.Utf8,
    ),
    pl.Series(
      "streamer_symbol",
      rows.map((o) => o.streamer),
      pl.Utf8,
    ),
    pl.Series(
      "option_type",
      rows.map((o) => o.type),
      pl.Utf8,
    ),
    pl
      .Series(
        "expiration_date",
        rows.map((o) => o.expiration),
        pl.Int32,
      )
      .cast(pl.Date),
    pl.Series(
      "days_to_expiration",
      rows.map((o) => o.expiration - date),
      pl.Int32,
    ),
    f64("strike_price", (o) => o.strike),
    f64("underlying_price", (o) => o.underlyingPrice),
    f64("bid", (o) => tick(o).bid),
    f64("ask", (o) => tick(o).ask),
    f64("mark", mid),
    f64("last", (o) => tick(o).last),
    f64("bid_size", (o) => tick(o).bidSize),
    f64("ask_size", (o) => tick(o).askSize),
    f64("volume", (o) => tick(o).volume),
    f64("open_interest", (o) => tick(o).openInterest),
    f64("implied_volatility", (o) => tick(o).impliedVolatility),
    f64("delta", (o) => tick(o).delta),
    f64("gamma", (o) => tick(o).gamma),
    f64("theta", (o) => tick(o).theta),
    f64("vega", (o) => tick(o).vega),
    f64("rho", (o) => tick(o).rho),
    f64("theo_price", (o) => tick(o).theoPrice),
  ]);
  return withSnapshotTime(df, snapshotMs);
}

export function optionTasks(sc: StageContext): TaskDef[] {
  const { env, params } = sc;
  return [
    artifactTask(env, {
      id: "sym.option-quotes",
      stage: "symbols",
      label: "option quotes",
      deps: ["core.quote-token", "sym.chains", "sym.quotes"],
      untracked: ["core.quote-token"],
      ref: { kind: "option-quotes", key: "options" },
      staleIfError: true,
      unit: "options",
      params: () => ({ source: params.source, filter: optionFilterFromConfig(env.config) }),
      compute: async (ctx) => {
        const filter = optionFilterFromConfig(env.config);
        const chains = ctx.input<ArtifactValue>("sym.chains").frame();
        const lacking = missingChainColumns(chains);
        if (chains.height > 0 && lacking.length > 0)
          throw dataError(`the chains artifact has no column ${lacking.join(", ")}`, {
            hint: "rebuild it: ttapi run --force",
          });
        const quotes = ctx.input<ArtifactValue>("sym.quotes").frame();
        const session = await sc.api();
        // The instant the quotes describe (the simulated exchange's close in demo mode); the lake
        // step stamps the partition's rows with the run's clock like every snapshot table.
        const snapshotMs = session.sim?.universe.closeMs ?? Date.now();
        const date = params.snapshotDate ? dayOfIso(params.snapshotDate) : tradingDateOf(snapshotMs);
        const sel = selectOptions(chains, underlyingPrices(quotes), filter, date);
        const symbols = sel.options.map((o) => o.streamer);
        ctx.progress(0, symbols.length, "options");
        const token = quoteTokenFromValue(ctx.input<ArtifactValue>("core.quote-token"));
        const snap = await sc.heavy(() =>
          withDxlink(
            session,
            token,
            // A feed that cannot be reached (no token, connection refused) ends the pass after a
            // few attempts: with --cached the stored snapshot is then reused, flagged degraded.
            {
              signal: ctx.signal,
              maxFrameBytes: env.config["dxlink.max-frame"],
              maxAttempts: 3,
              backoff: { initialMs: 250, maxMs: 2_000 },
            },
            (dx) =>
              collectOptionSnapshot(dx, symbols, {
                timeoutMs: env.config["options.timeout"] * 1000,
                // Was a fixed 5 s: a full universe (~170k options) on a loaded machine pauses longer
                // than that between answers and the run failed with a quarter unanswered.
                idleMs: env.config["options.idle-timeout"] * 1000,
                signal: ctx.signal,
                onProgress: (n, total) => ctx.progress(n, total, "options"),
              }),
          ),
        );
        const missing = snap.unanswered.map((u) => u.symbol);
        const lost = [...missing, ...sel.noStreamer];
        const threshold = env.config["api.missing-threshold"];
        if (lost.length > 0) {
          // The terminal gets the count and a few names; the log file every name.
          env.log.warn(
            `option quotes: ${lost.length} of ${symbols.length + sel.noStreamer.length} options missing (${snap.endedBy}): ${namesLine(lost)}`,
          );
          env.log.debug("option quotes: every missing option", {
            unanswered: snap.unanswered.map((u) => `${u.symbol} (no ${u.lacks.join("+")})`),
            noStreamerSymbol: sel.noStreamer,
          });
        }
        if (snap.partial > 0)
          env.log.info(
            `option quotes: ${snap.partial} options answered Quote+Greeks but sent no Summary or Trade (their volume, open interest or last are null)`,
          );
        if (sel.noPrice.length > 0)
          env.log.warn(
            `option quotes: no price for ${sel.noPrice.length} underlyings, their options not selected: ${namesLine(sel.noPrice)}`,
          );
        if (symbols.length > 0 && missing.length / symbols.length > threshold)
          throw dataError(
            `${missing.length} of ${symbols.length} options did not answer Quote+Greeks (${snap.endedBy}; e.g. ${namesLine(missing)})`,
            {
              hint: "the DXLink feed is failing; retry later, raise options.timeout or api.missing-threshold",
            },
          );
        // The pass's decoded events are garbage now: collected before the frame is built and
        // written on top of them (that write was the full demo run's peak).
        await collectFromCleanStack();
        const frame = optionQuotesFrame(sel.options, snap, snapshotMs, date);
        const problems: string[] = [];
        if (missing.length > 0)
          problems.push(
            `${missing.length} of ${symbols.length} options did not answer (${namesLine(missing)})`,
          );
        if (sel.noStreamer.length > 0)
          problems.push(`${sel.noStreamer.length} without a streamer symbol (${namesLine(sel.noStreamer)})`);
        if (sel.noPrice.length > 0)
          problems.push(`${sel.noPrice.length} underlyings without a price (${namesLine(sel.noPrice)})`);
        return {
          frame,
          degraded: problems.length > 0 ? problems.join("; ") : undefined,
          meta: {
            date: isoFromDays(date),
            selected: symbols.length,
            unanswered: missing,
            noStreamer: sel.noStreamer,
            noPrice: sel.noPrice,
            withoutSummaryOrTrade: snap.partial,
            endedBy: snap.endedBy,
          },
        };
      },
    }),
  ];
}
