/*
 * The report page script (inlined into the HTML, runs offline). Reads the embedded JSON, makes the
 * overview table sortable and filterable, and draws each symbol's charts and tables with uPlot
 * when its section nears the viewport (IntersectionObserver), so a 500-symbol report opens fast.
 * A chart that fails to draw is replaced by a note; the rest of the page keeps working.
 * window.__report exposes progress for the browser test and the benchmark.
 */
// biome-ignore lint/suspicious/noRedundantUseStrict: inlined as a classic script element, not a module
"use strict";
// A block, not a wrapper function: the page's names (block-scoped in strict mode) stay out of the
// global scope.
{
  const state = {
    firstChartMs: null,
    charts: 0,
    errors: [],
    ready: false,
    startMs: performance.now(),
    parsedMs: null,
  };
  window.__report = state;
  // Two payloads: a small one before this script (history and sparklines: the overview draws at
  // once) and the per-symbol chart data at the end of the page, read when the document is parsed.
  const readJson = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };
  const data = readJson("report-head") || { spark: [] };
  const symbols = data.spark.map(() => ({}));
  const DAY = 86400;
  const COLORS = {
    iv: "#2a62d6",
    atmIv30: "#7b4bd6",
    hv20yz: "#e07b00",
    hv60yz: "#b23a48",
    hv20c2c: "#2e9e6a",
    close: "#2a62d6",
    upper: "#9aa3b5",
    lower: "#9aa3b5",
    min: "#9aa3b5",
    p25: "#6b85c9",
    median: "#2a62d6",
    p75: "#6b85c9",
    max: "#9aa3b5",
    today: "#d62a4b",
    atmIv: "#2a62d6",
    call: "#2e9e6a",
    put: "#d62a4b",
    low: "#9aa3b5",
    price: "#2a62d6",
    high: "#9aa3b5",
  };
  const LABELS = {
    iv: "IV index",
    atmIv30: "ATM IV 30d",
    hv20yz: "HV20 YZ",
    hv60yz: "HV60 YZ",
    hv20c2c: "HV20 C2C",
    close: "Close",
    upper: "+1σ",
    lower: "−1σ",
    min: "min",
    p25: "p25",
    median: "median",
    p75: "p75",
    max: "max",
    today: "today",
    atmIv: "ATM IV",
    call: "call IV",
    put: "put IV",
    low: "−1σ",
    price: "price",
    high: "+1σ",
  };

  const pct = (v, d) =>
    v === null || v === undefined ? "—" : `${(v * 100).toFixed(d === undefined ? 1 : d)}%`;
  const fix = (v, d) => (v === null || v === undefined ? "—" : v.toFixed(d === undefined ? 2 : d));
  const isoDay = (day) => new Date(day * DAY * 1000).toISOString().slice(0, 10);
  const utc = (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC");
  // Percent ticks with as many decimals as the tick spacing needs (no "18% 18%").
  const volAxis = {
    values: (_u, vals) => {
      const step = vals.length > 1 ? Math.abs(vals[1] - vals[0]) * 100 : 1;
      const digits = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
      return vals.map((v) => `${(v * 100).toFixed(digits)}%`);
    },
    size: 56,
  };

  function series(key, extra) {
    return Object.assign({ label: LABELS[key] || key, stroke: COLORS[key] || "#555", width: 1.5 }, extra);
  }

  function markDrawn(fig, u) {
    fig.dataset.rendered = String(u.series.length - 1);
    state.charts++;
    if (state.firstChartMs === null) state.firstChartMs = performance.now();
  }

  // Axis text and grid in the page's colours (light or dark scheme).
  const ink = getComputedStyle(document.body).color || "#1d2230";
  const theme = (axes) =>
    (axes || [{}, {}]).map((a) =>
      Object.assign(
        {
          stroke: ink,
          grid: { stroke: "rgba(128,128,128,0.18)" },
          ticks: { stroke: "rgba(128,128,128,0.3)" },
        },
        a,
      ),
    );

  function plot(fig, opts, rows) {
    const box = fig.querySelector(".plot");
    const width = Math.max(280, box.clientWidth || 400);
    const full = Object.assign({ width, height: 230, legend: { live: true } }, opts, {
      axes: theme(opts.axes),
    });
    const u = new uPlot(full, rows, box);
    markDrawn(fig, u);
    return u;
  }

  /** Rolling close-to-close volatility (annualised) of the window ending at each bar. */
  function rollingVol(c, w, ann) {
    const out = new Array(c.length).fill(null);
    for (let i = w; i < c.length; i++) {
      let s = 0;
      let s2 = 0;
      for (let k = i - w + 1; k <= i; k++) {
        const r = Math.log(c[k] / c[k - 1]);
        s += r;
        s2 += r * r;
      }
      out[i] = Math.sqrt(Math.max(0, (s2 - (s * s) / w) / (w - 1)) * ann);
    }
    return out;
  }

  const DRAW = {
    price(fig, d, keys) {
      const b = d.bars;
      const days = [];
      let day = b.d0;
      for (let i = 0; i < b.dd.length; i++) {
        day += b.dd[i];
        days.push(day * DAY);
      }
      // Closes arrive as scaled integer steps (see encodeSteps).
      const f = 10 ** b.k;
      let q = 0;
      b.c = b.q.map((x) => {
        q += x;
        return q / f;
      });
      const w = data.bandWindow;
      const vol = rollingVol(b.c, w, data.annualization);
      const h = Math.sqrt(w / data.annualization);
      const band = (sign) =>
        b.c.map((_c, i) =>
          i >= w && vol[i - w] !== null ? b.c[i - w] * Math.exp(sign * vol[i - w] * h) : null,
        );
      const cols = { close: b.c, upper: band(1), lower: band(-1) };
      plot(
        fig,
        {
          tzDate: utc,
          series: [{}, ...keys.map((k) => series(k, k === "close" ? {} : { dash: [4, 3], width: 1 }))],
          axes: [{}, { size: 60 }],
        },
        [days, ...keys.map((k) => cols[k])],
      );
    },
    ivhv(fig, d, keys) {
      const h = d.history;
      plot(
        fig,
        {
          tzDate: utc,
          series: [
            {},
            ...keys.map((k) => series(k, { value: (_u, v) => pct(v), points: { show: h.d.length < 40 } })),
          ],
          axes: [{}, volAxis],
        },
        [h.d.map((x) => x * DAY), ...keys.map((k) => h[k])],
      );
    },
    cone(fig, d, keys) {
      const c = d.cone;
      plot(
        fig,
        {
          // Ordinal x: windows 10…252 equally spaced.
          scales: { x: { time: false, distr: 2 } },
          series: [
            { label: "window", value: (_u, v) => (v === null ? "—" : `${v}d`) },
            ...keys.map((k) =>
              k === "today"
                ? series(k, {
                    paths: () => null,
                    points: { show: true, size: 9, fill: COLORS.today },
                    value: (_u, v) => pct(v),
                  })
                : series(k, {
                    dash: k === "min" || k === "max" ? [4, 3] : undefined,
                    value: (_u, v) => pct(v),
                  }),
            ),
          ],
          axes: [{ values: (_u, vals) => vals.map((v) => `${v}d`) }, volAxis],
        },
        [c.w, ...keys.map((k) => c[k])],
      );
    },
    term(fig, d, keys) {
      const t = d.term;
      plot(
        fig,
        {
          scales: { x: { time: false } },
          series: [
            { label: "DTE", value: (_u, v) => (v === null ? "—" : `${v}d`) },
            ...keys.map((k) => series(k, { points: { show: true, size: 6 }, value: (_u, v) => pct(v) })),
          ],
          axes: [{ values: (_u, vals) => vals.map((v) => `${v}d`) }, volAxis],
        },
        [t.dte, ...keys.map((k) => t[k])],
      );
    },
    skew(fig, d, keys) {
      const s = d.skew;
      plot(
        fig,
        {
          scales: { x: { time: false } },
          series: [
            { label: "strike", value: (_u, v) => fix(v) },
            ...keys.map((k) =>
              series(k, { points: { show: true, size: 5 }, value: (_u, v) => pct(v), spanGaps: true }),
            ),
          ],
          axes: [{}, volAxis],
        },
        [s.strike, ...keys.map((k) => s[k])],
      );
    },
    moves(fig, d, keys) {
      const m = d.moves;
      const idx = { low: keys.indexOf("low") + 1, high: keys.indexOf("high") + 1 };
      plot(
        fig,
        {
          scales: { x: { time: false } },
          series: [
            { label: "DTE", value: (_u, v) => (v === null ? "—" : `${v}d`) },
            ...keys.map((k) => series(k, { points: { show: true, size: 5 }, value: (_u, v) => fix(v) })),
          ],
          bands: idx.low && idx.high ? [{ series: [idx.high, idx.low], fill: "rgba(42,98,214,0.08)" }] : [],
          axes: [{ values: (_u, vals) => vals.map((v) => `${v}d`) }, { size: 60 }],
        },
        [m.dte, ...keys.map((k) => m[k])],
      );
    },
  };

  function table(head, rows) {
    const t = document.createElement("table");
    const tr = t.createTHead().insertRow();
    for (const h of head) {
      const th = document.createElement("th");
      th.textContent = h;
      tr.appendChild(th);
    }
    const body = t.createTBody();
    for (const r of rows) {
      const row = body.insertRow();
      for (const v of r) row.insertCell().textContent = v;
    }
    return t;
  }

  const EST = {
    yz: "Yang–Zhang",
    c2c: "close-to-close",
    gk: "Garman–Klass",
    rs: "Rogers–Satchell",
    parkinson: "Parkinson",
  };

  function renderTables(sec, d) {
    const st = sec.querySelector('[data-table="stats"]');
    if (st && d.stats) {
      // Estimators down, windows across: the volatility over its confidence interval; n and the
      // cone percentile on hover.
      const s = d.stats;
      const t = table(["estimator", ...s.w.map((w) => `${w}d`)], []);
      s.est.forEach((e, r) => {
        const row = t.tBodies[0].insertRow();
        row.insertCell().textContent = EST[e] || e;
        s.w.forEach((_w, c) => {
          const cell = row.insertCell();
          const v = s.vol[r][c];
          if (v === null) {
            cell.textContent = "—";
            if (s.reason[r][c]) cell.title = s.reason[r][c];
            return;
          }
          cell.textContent = pct(v);
          if (s.lo[r][c] !== null) {
            const ci = document.createElement("div");
            ci.className = "ci";
            ci.textContent = `${pct(s.lo[r][c])}–${pct(s.hi[r][c])}`;
            cell.appendChild(ci);
          }
          cell.title = `n = ${s.n[r][c] === null ? "?" : s.n[r][c]} · cone percentile ${pct(s.pct[r][c], 0)}`;
        });
      });
      st.appendChild(t);
    }
    const mv = sec.querySelector('[data-table="moves"]');
    if (mv && d.moves) {
      const m = d.moves;
      const rows = m.exp.map((e, i) => [
        isoDay(e),
        `${m.dte[i]}d`,
        pct(m.iv[i]),
        `±${fix(m.move[i])}`,
        `${fix(m.low[i])} – ${fix(m.high[i])}`,
        m.ciLow[i] === null ? "—" : `${fix(m.ciLow[i])} – ${fix(m.ciHigh[i])}`,
      ]);
      mv.appendChild(table(["expiration", "DTE", "IV", "±1σ move", "1σ range", "move CI"], rows));
    }
  }

  function fail(fig, e) {
    state.errors.push(String(e?.message ? e.message : e));
    console.error("ttapi report: chart failed", e);
    const p = document.createElement("p");
    p.className = "note";
    p.textContent = `This chart could not be drawn: ${e?.message ? e.message : e}`;
    const box = fig.querySelector(".plot");
    if (box) box.replaceWith(p);
  }

  function renderSection(sec) {
    if (sec.dataset.done) return;
    sec.dataset.done = "1";
    const d = symbols[Number(sec.dataset.i)];
    if (!d) return;
    for (const fig of sec.querySelectorAll("figure[data-chart]")) {
      const kind = fig.dataset.chart;
      try {
        DRAW[kind](fig, d, d.plans.find((p) => p[0] === kind)[2]);
      } catch (e) {
        fail(fig, e);
      }
    }
    try {
      renderTables(sec, d);
    } catch (e) {
      fail(sec, e);
    }
  }

  function renderSpark(box) {
    if (box.dataset.rendered) return;
    const sp = data.spark[Number(box.dataset.i)];
    const keys = sp.keys;
    try {
      const u = new uPlot(
        {
          width: 120,
          height: 28,
          tzDate: utc,
          legend: { show: false },
          cursor: { show: false },
          select: { show: false },
          scales: { x: { time: true } },
          axes: [{ show: false }, { show: false }],
          series: [
            {},
            ...keys.map((k) => ({
              stroke: k === "iv" ? COLORS.iv : COLORS.hv20yz,
              width: 1.25,
              points: { show: false },
            })),
          ],
        },
        [sp.d.map((x) => x * DAY), ...sp.v],
        box,
      );
      box.dataset.rendered = String(u.series.length - 1);
      if (state.firstChartMs === null) state.firstChartMs = performance.now();
    } catch (e) {
      state.errors.push(String(e));
      console.error("ttapi report: sparkline failed", e);
      box.textContent = "—";
    }
  }

  /** Element with a class and text (always textContent: symbol names and notes stay text). */
  function node(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  /** A symbol's section: heading, one figure per planned chart (or its note), table slots. */
  function buildSection(d, i) {
    const sec = node("section", "sym");
    sec.id = `s${i}`;
    sec.dataset.i = String(i);
    const h2 = node("h2", null, `${d.symbol} `);
    h2.appendChild(node("span", "sub", d.sub));
    const top = node("a", "top", "↑ overview");
    top.href = "#overview";
    h2.appendChild(top);
    sec.appendChild(h2);
    const charts = node("div", "charts");
    for (const [kind, title, keys, note] of d.plans) {
      const fig = node("figure", keys.length ? "chart" : "chart no-data");
      fig.appendChild(node("figcaption", null, title));
      if (keys.length) {
        fig.dataset.chart = kind;
        fig.dataset.series = String(keys.length);
        const box = node("div", "plot");
        box.setAttribute("role", "img");
        box.setAttribute("aria-label", `${d.symbol}: ${title}`);
        fig.appendChild(box);
      } else {
        fig.dataset.chartNote = kind;
        fig.appendChild(node("p", "note", note || "no data"));
      }
      charts.appendChild(fig);
    }
    sec.appendChild(charts);
    const tables = node("div", "tables");
    const left = node("div");
    left.appendChild(
      node(
        "h3",
        null,
        `Latest realised volatility (annualised, ${Math.round(data.annualization)}-day year) · below: confidence interval`,
      ),
    );
    const right = node("div");
    right.appendChild(node("h3", null, "Expected moves"));
    for (const [box, key, note] of [
      [left, "stats", d.statsNote],
      [right, "moves", d.movesNote],
    ]) {
      if (note) box.appendChild(node("p", "note", note));
      else {
        const slot = node("div", `${key}-table`);
        slot.dataset.table = key;
        box.appendChild(slot);
      }
    }
    tables.append(left, right);
    sec.appendChild(tables);
    return sec;
  }

  // Lazy rendering: sections and sparklines are drawn when they come within 600px of the viewport.
  const io = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        io.unobserve(e.target);
        if (e.target.classList.contains("spark-plot")) renderSpark(e.target);
        else renderSection(e.target);
      }
    },
    { rootMargin: "600px 0px" },
  );
  // Sparklines already on screen are drawn now, while the rest of the page is still being parsed
  // (an observer would first wait for the parser to yield); the others when they scroll in.
  const wrap = document.querySelector(".table-wrap");
  const bottom = Math.min(
    window.innerHeight,
    wrap ? wrap.getBoundingClientRect().bottom : window.innerHeight,
  );
  for (const s of document.querySelectorAll(".spark-plot")) {
    if (s.getBoundingClientRect().top < bottom) renderSpark(s);
    else io.observe(s);
  }

  function buildSections() {
    const rest = readJson("report-data");
    state.parsedMs = performance.now();
    const main = document.getElementById("symbols");
    if (!rest || !main || !symbols.length) return;
    rest.symbols.forEach((d, i) => {
      Object.assign(symbols[i], d);
    });
    const frag = document.createDocumentFragment();
    symbols.forEach((d, i) => {
      frag.appendChild(buildSection(d, i));
    });
    main.appendChild(frag);
    state.builtMs = performance.now();
    for (const sec of main.querySelectorAll("section.sym")) io.observe(sec);
  }

  /** Overview: sort on header click (again: reverse), filter by text or column conditions. */
  function setupOverview() {
    const tableEl = document.getElementById("overview-table");
    if (tableEl) {
      const tbody = tableEl.tBodies[0];
      const heads = [...tableEl.tHead.rows[0].cells];
      const rows = [...tbody.rows];
      const keyIndex = {};
      heads.forEach((th, i) => {
        if (th.dataset.key) keyIndex[th.dataset.key] = i;
      });
      const cellValue = (row, i) => {
        const v = row.cells[i].dataset.v;
        if (v === undefined || v === "") return null;
        const n = Number(v);
        return Number.isNaN(n) ? v : n;
      };
      const sortBy = (th) => {
        const i = heads.indexOf(th);
        const dir =
          th.getAttribute("aria-sort") === "descending"
            ? 1
            : th.getAttribute("aria-sort")
              ? -1
              : i === 0
                ? 1
                : -1;
        for (const h of heads) h.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        const sorted = rows.slice().sort((a, b) => {
          const x = cellValue(a, i);
          const y = cellValue(b, i);
          if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // missing values last
          return (
            (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) *
            dir
          );
        });
        tbody.append(...sorted);
      };
      heads.forEach((th) => {
        if (!th.dataset.key) return;
        th.addEventListener("click", () => sortBy(th));
        th.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            sortBy(th);
          }
        });
      });
      const COND = /^([a-z0-9]+)(<=|>=|<|>|=)(-?\d+(?:\.\d+)?)$/i;
      const input = document.getElementById("filter");
      const count = document.getElementById("count");
      const applyFilter = () => {
        const tokens = input.value.trim().split(/\s+/).filter(Boolean);
        let shown = 0;
        for (const row of rows) {
          const ok = tokens.every((t) => {
            const m = COND.exec(t);
            if (m && m[1].toLowerCase() in keyIndex) {
              const i = keyIndex[m[1].toLowerCase()];
              const v = cellValue(row, i);
              if (typeof v !== "number") return false;
              const x = v * Number(heads[i].dataset.scale || 1);
              const y = Number(m[3]);
              return m[2] === "<"
                ? x < y
                : m[2] === ">"
                  ? x > y
                  : m[2] === "<="
                    ? x <= y
                    : m[2] === ">="
                      ? x >= y
                      : x === y;
            }
            return String(cellValue(row, 0)).toLowerCase().includes(t.toLowerCase());
          });
          row.hidden = !ok;
          // The symbol's section follows the filter too.
          const sec = document.getElementById(`s${row.dataset.i}`);
          if (sec) sec.hidden = !ok;
          if (ok) shown++;
        }
        count.textContent = `${shown} of ${rows.length} symbols`;
      };
      input.addEventListener("input", applyFilter);
    }
  }
  setupOverview();

  const finish = () => {
    try {
      buildSections();
    } catch (e) {
      state.errors.push(String(e));
      console.error("ttapi report: the symbol sections could not be built", e);
    }
    state.ready = true;
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", finish);
  else finish();
}
