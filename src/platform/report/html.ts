/**
 * The report page: one self-contained HTML file. The static parts (header, lake status, the
 * overview table, one section shell per symbol with its notes) are rendered here, escaped; the
 * charts and per-symbol tables are drawn in the browser from the embedded JSON, lazily as each
 * section nears the viewport, by the inlined page script and uPlot.
 */
import { REPORT_ASSETS } from "./assets.ts";
import { type ChartPlan, chartPlans, sparkSeries } from "./charts.ts";
import { compactNumber, encodeSteps, esc, isoDay, pct, price, scriptJson } from "./format.ts";
import type { ReportModel, SymbolReport } from "./model.ts";

interface Column {
  key: string;
  label: string;
  title: string;
  /** Filter values are typed in percent for fraction columns. */
  scale?: number;
  value: (s: SymbolReport, m: ReportModel) => number | string | null;
  text: (s: SymbolReport, m: ReportModel) => string;
}

const o = (s: SymbolReport) => s.overview;

/** `MM-DD` in the report's year, the full date otherwise. */
function shortDay(day: number, asOf: string | null): string {
  const iso = isoDay(day);
  return asOf && iso.slice(0, 4) === asOf.slice(0, 4) ? iso.slice(5) : iso;
}

function ownRank(s: SymbolReport, m: ReportModel, v: number | null): string {
  if (!m.ownIvRank) return "not collected yet";
  const days = o(s).ivDays;
  if (v === null) {
    // iv_hv.iv_note says why (e.g. "insufficient history"); the day count is what a trader checks.
    const why = o(s).ivNote ?? (days !== null ? "insufficient history" : null);
    return why ? `${why}${days !== null ? ` (${days}d)` : ""}` : "—";
  }
  return `${pct(v, 0)}${days !== null ? ` · ${days}d` : ""}`;
}

const COLUMNS: Column[] = [
  { key: "sym", label: "Symbol", title: "underlying", value: (s) => s.symbol, text: (s) => s.symbol },
  {
    key: "price",
    label: "Last",
    title: "last price (quotes mark, else last daily close)",
    value: (s) => o(s).price,
    text: (s) => price(o(s).price),
  },
  {
    key: "iv",
    label: "IV idx",
    title: "implied volatility index (metrics); filter in %: iv>30",
    scale: 100,
    value: (s) => o(s).iv,
    text: (s) => pct(o(s).iv),
  },
  {
    key: "ivr",
    label: "IV rank",
    title: "own IV rank over the collected history (iv_hv.iv_rank) · days of history; filter: ivr>50",
    scale: 100,
    value: (s) => o(s).ivRank,
    text: (s, m) => ownRank(s, m, o(s).ivRank),
  },
  {
    key: "ivp",
    label: "IV pctl",
    title: "own IV percentile over the collected history (iv_hv.iv_percentile)",
    scale: 100,
    value: (s) => o(s).ivPct,
    text: (s, m) => ownRank(s, m, o(s).ivPct),
  },
  {
    key: "apir",
    label: "API rank",
    title: "the API's IV index rank (metrics)",
    scale: 100,
    value: (s) => o(s).ivRankApi,
    text: (s) => pct(o(s).ivRankApi, 0),
  },
  {
    key: "hv20yz",
    label: "HV20 YZ",
    title: "20-day Yang–Zhang realised volatility",
    scale: 100,
    value: (s) => o(s).hv20yz,
    text: (s) => pct(o(s).hv20yz),
  },
  {
    key: "hv20c",
    label: "HV20 C2C",
    title: "20-day close-to-close realised volatility",
    scale: 100,
    value: (s) => o(s).hv20c2c,
    text: (s) => pct(o(s).hv20c2c),
  },
  {
    key: "hv60yz",
    label: "HV60 YZ",
    title: "60-day Yang–Zhang realised volatility",
    scale: 100,
    value: (s) => o(s).hv60yz,
    text: (s) => pct(o(s).hv60yz),
  },
  {
    key: "hv60c",
    label: "HV60 C2C",
    title: "60-day close-to-close realised volatility",
    scale: 100,
    value: (s) => o(s).hv60c2c,
    text: (s) => pct(o(s).hv60c2c),
  },
  {
    key: "spread",
    label: "IV−HV",
    title: "IV index minus HV30 (iv_hv.spread)",
    scale: 100,
    value: (s) => o(s).spread,
    text: (s) => pct(o(s).spread),
  },
  {
    key: "em",
    label: "Exp. move",
    title: "±1σ expected move to the next monthly expiration (sorts and filters by % of price)",
    scale: 100,
    value: (s) => o(s).emPct,
    text: (s, m) =>
      o(s).emMove === null
        ? "—"
        : `±${price(o(s).emMove)} (${pct(o(s).emPct)}) ${o(s).emExp !== null ? shortDay(o(s).emExp!, m.asOf) : ""}`,
  },
  {
    key: "liq",
    label: "Liq.",
    title: "liquidity rating (metrics)",
    value: (s) => o(s).liquidity,
    text: (s) => (o(s).liquidity === null ? "—" : String(o(s).liquidity)),
  },
];

function overviewTable(m: ReportModel): string {
  const head = COLUMNS.map(
    (c) =>
      `<th data-key="${c.key}"${c.scale ? ` data-scale="${c.scale}"` : ""} title="${esc(c.title)}" tabindex="0">${esc(c.label)}</th>`,
  ).join("");
  const rows = m.symbols
    .map((s, i) => {
      const cells = COLUMNS.map((c) => {
        const v = c.value(s, m);
        const dv = v === null ? "" : typeof v === "number" ? String(compactNumber(v)) : v;
        return c.key === "sym"
          ? `<td class="sym" data-v="${esc(dv)}"><a href="#s${i}">${esc(c.text(s, m))}</a></td>`
          : `<td data-v="${esc(dv)}">${esc(c.text(s, m))}</td>`;
      }).join("");
      const spark = sparkSeries(s);
      const sparkCell = spark.length
        ? `<td class="spark"><div class="spark-plot" data-i="${i}" data-series="${spark.length}"></div></td>`
        : `<td class="spark muted" title="${esc(s.notes.spark ?? "")}">${esc(s.notes.spark ? "needs 2+ days" : "—")}</td>`;
      return `<tr data-i="${i}">${cells}${sparkCell}</tr>`;
    })
    .join("\n");
  return `<section id="overview">
<h2>Overview</h2>
<div class="toolbar"><input id="filter" type="search" placeholder="filter: symbol text, or iv>30 ivr>=50 liq>=3 (percent columns in %)" aria-label="filter the overview" size="60">
<span id="count">${m.symbols.length} of ${m.symbols.length} symbols</span></div>
<div class="table-wrap"><table id="overview-table"><thead><tr>${head}<th class="nosort" title="IV (blue) and HV20 (orange) over the collected history">IV / HV</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>`;
}

/** The one-line summary under a symbol's heading. */
function subtitle(s: SymbolReport): string {
  const ov = s.overview;
  return [
    `last ${price(ov.price)}`,
    `IV ${pct(ov.iv)}`,
    `HV20 YZ ${pct(ov.hv20yz)}`,
    `IV−HV ${pct(ov.spread)}`,
    ov.emMove !== null ? `monthly move ±${price(ov.emMove)} (${pct(ov.emPct)})` : null,
  ]
    .filter(Boolean)
    .join(" · ");
}

function lakeStatus(m: ReportModel): string {
  const rows = m.tables
    .map((t) => {
      const span =
        t.table === "bars"
          ? `${t.symbols ?? 0} symbols (daily)`
          : t.present
            ? `${t.dates} date${t.dates === 1 ? "" : "s"} · ${t.first} → ${t.last}`
            : "";
      return `<tr class="${t.present && !t.note ? "" : "warn"}"><td>${esc(t.table)}</td><td>${esc(span)}</td><td>${esc(t.note ?? (t.present ? "ok" : "missing"))}</td></tr>`;
    })
    .join("");
  const notes = m.notes.length
    ? `<ul class="notes">${m.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`
    : "";
  return `<section id="lake">${notes}<details${m.notes.length ? " open" : ""}><summary>Lake tables</summary><table class="lake"><thead><tr><th>table</th><th>partitions</th><th>status</th></tr></thead><tbody>${rows}</tbody></table></details></section>`;
}

/**
 * The payload the page script reads: per symbol the section's text (heading, chart titles, notes),
 * the charts' data and the series to draw. Sections are built from it in the browser: 500 symbol
 * sections of server HTML cost the browser more to parse than the data itself.
 */
function payload(m: ReportModel, plans: ChartPlan[][]) {
  return {
    // Read first (it precedes the page script): enough for the overview's sparklines.
    head: {
      bandWindow: m.bandWindow,
      annualization: m.annualization,
      spark: m.symbols.map((s) => {
        const keys = sparkSeries(s);
        const h = s.history;
        return keys.length && h ? { keys, d: h.d, v: keys.map((k) => h[k as keyof typeof h]) } : null;
      }),
    },
    rest: {
      symbols: m.symbols.map((s, i) => ({
        symbol: s.symbol,
        sub: subtitle(s),
        plans: plans[i]!.map((p) =>
          p.series.length ? [p.kind, p.title, p.series] : [p.kind, p.title, [], p.note],
        ),
        history: s.history,
        statsNote: s.notes.stats ?? null,
        movesNote: s.notes.moves ?? null,
        // Bar dates as gaps from the previous bar (mostly 1 or 3), closes as scaled integer steps.
        bars: s.bars
          ? {
              d0: s.bars.d[0],
              dd: s.bars.d.map((d, k) => (k ? d - s.bars!.d[k - 1]! : 0)),
              ...encodeSteps(s.bars.c),
            }
          : null,
        cone: s.cone,
        term: s.term,
        skew: s.skew,
        moves: s.moves,
        stats: s.stats,
      })),
    },
  };
}

export function renderReport(m: ReportModel): string {
  const plans = m.symbols.map((s) => chartPlans(m, s));
  const p = payload(m, plans);
  const compact = (_k: string, v: unknown) => (typeof v === "number" ? compactNumber(v) : v);
  const title = `ttapi report${m.asOf ? ` · ${m.asOf}` : ""}`;
  const meta = [
    m.asOf ? `as of ${m.asOf}` : "no snapshot in the lake yet",
    `${m.symbols.length} symbol${m.symbols.length === 1 ? "" : "s"}`,
    `${m.historyDays} collected day${m.historyDays === 1 ? "" : "s"} of history`,
    `generated ${m.generatedAt.slice(0, 16).replace("T", " ")} UTC`,
  ].join(" · ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ttapi">
<title>${esc(title)}</title>
<style>${REPORT_ASSETS.uplotCss}</style>
<style>${REPORT_ASSETS.css}</style>
</head><body>
<header><h1>ttapi report</h1><p class="meta">${esc(meta)}</p></header>
${lakeStatus(m)}
${overviewTable(m)}
<script type="application/json" id="report-head">${scriptJson(p.head, compact)}</script>
<script>${REPORT_ASSETS.uplotJs}</script>
<script>${REPORT_ASSETS.clientJs}</script>
<main id="symbols">
${m.symbols.length ? `<noscript><p class="note">The per-symbol charts need JavaScript.</p></noscript>` : `<p class="note">No symbols in the lake${m.missingSymbols.length ? " for the requested list" : ""}: run \`ttapi run\` first.</p>`}
</main>
<footer>Made by ttapi from the Parquet lake. Volatilities are annualised; IV rank and percentile are computed from the history you collected.</footer>
<script type="application/json" id="report-data">${scriptJson(p.rest, compact)}</script>
</body></html>
`;
}
