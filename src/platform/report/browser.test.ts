/**
 * The report in a real browser: Debian's `chromium`, headless, driven by playwright-core. Fails on
 * any console error, page error, failed request or request that leaves the file (the report must
 * work offline), checks that every chart was drawn (a canvas with pixels, as many series as the
 * page planned), that sorting and filtering the overview work, and saves a screenshot.
 *
 * Chromium missing → this test FAILS and says how to install it; TTAPI_SKIP_BROWSER=1 skips it
 * (for machines that cannot have a browser). TTAPI_CHROMIUM overrides the executable;
 * TTAPI_REPORT_SCREENSHOT=FILE.png writes the screenshot there (the README's docs/report.png).
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { writeSyntheticLake } from "../testing/report-lake.ts";
import { writeReport } from "./index.ts";

setDefaultTimeout(180_000);

// The callbacks below run in the page. The project compiles without the DOM library (server code
// must not use it), so the few browser globals they touch are declared here, for this file only.
// biome-ignore lint/suspicious/noExplicitAny: browser objects, typed loosely on purpose
type El = any;
declare const window: El;
declare const document: El;

const CHROMIUM = process.env.TTAPI_CHROMIUM || "/usr/bin/chromium";
const SKIP = process.env.TTAPI_SKIP_BROWSER === "1";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const dirs: string[] = [];
const contexts: BrowserContext[] = [];
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

interface Opened {
  page: Page;
  problems: string[];
}

/** Open a report file in a fresh headless Chromium profile, recording every problem. */
async function open(file: string): Promise<Opened> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the report's browser test needs it. Install it with ` +
        "`apt-get update && apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this), or point " +
        "TTAPI_CHROMIUM at a Chromium/Chrome binary; TTAPI_SKIP_BROWSER=1 skips this test.",
    );
  const { chromium } = await import("playwright-core");
  const context = await chromium.launchPersistentContext(tmp("ttapi-chromium-profile-"), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 860 },
  });
  contexts.push(context);
  const problems: string[] = [];
  context.on("request", (r) => {
    if (!/^(file|data|about):/.test(r.url())) problems.push(`network request: ${r.url()}`);
  });
  context.on("requestfailed", (r) =>
    problems.push(`failed request: ${r.url()} ${r.failure()?.errorText ?? ""}`),
  );
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`file://${resolve(file)}`);
  await page.waitForFunction(() => window.__report?.ready);
  return { page, problems };
}

/** Scroll every section into view (lazy rendering) and wait until its charts are drawn. */
async function renderAll(page: Page): Promise<void> {
  const n = await page.locator("section.sym").count();
  for (let i = 0; i < n; i++) {
    await page.locator("section.sym").nth(i).scrollIntoViewIfNeeded();
    await page.waitForFunction(
      (k) =>
        [...document.querySelectorAll(`section.sym[data-i="${k}"] figure[data-chart]`)].every(
          (f: El) => f.dataset.rendered !== undefined,
        ),
      i,
    );
  }
  for (const box of await page.locator(".spark-plot").all()) await box.scrollIntoViewIfNeeded();
  await page.waitForFunction(() =>
    [...document.querySelectorAll(".spark-plot")].every((b: El) => b.dataset.rendered !== undefined),
  );
}

/** Every planned chart: drawn series = planned series, and its canvas has pixels. */
async function chartCheck(page: Page) {
  return page.evaluate(() => {
    const bad: string[] = [];
    const boxes = [
      ...document.querySelectorAll("figure[data-chart]"),
      ...document.querySelectorAll(".spark-plot"),
    ] as El[];
    for (const el of boxes) {
      const where = `${el.closest("section")?.id}/${el.dataset.chart ?? "spark"}`;
      if (el.dataset.rendered !== el.dataset.series)
        bad.push(`${where}: drew ${el.dataset.rendered} series, planned ${el.dataset.series}`);
      const c = el.querySelector("canvas");
      if (!c || c.width === 0 || c.height === 0) {
        bad.push(`${where}: no canvas`);
        continue;
      }
      const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) ink++;
      if (ink < 20) bad.push(`${where}: empty canvas`);
    }
    return { charts: boxes.length, bad };
  });
}

describe.skipIf(SKIP)("report in headless Chromium", () => {
  test("a complete lake: every chart drawn, sorting and filtering work, screenshot saved", async () => {
    const dataDir = tmp("ttapi-report-browser-");
    const symbols = ["SPY", "QQQ", "IWM", "AAPL", "Z<script>alert(1)</script>"];
    await writeSyntheticLake({ root: join(dataDir, "lake"), symbols, dates: 30 });
    const r = writeReport({ dataDir });
    const { page, problems } = await open(r.file);

    // Sorting: IV index descending on the first click, ascending on the second, missing last.
    const ivs = () =>
      page.$$eval("#overview-table tbody tr", (rows) =>
        rows.map((row: El) => Number(row.cells[2].dataset.v)),
      );
    await page.click('th[data-key="iv"]');
    const desc = await ivs();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page.click('th[data-key="iv"]');
    const asc = await ivs();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(await page.getAttribute('th[data-key="iv"]', "aria-sort")).toBe("ascending");
    await page.click('th[data-key="sym"]');
    const names = await page.$$eval("#overview-table tbody td.sym", (tds) => tds.map((t) => t.textContent));
    expect(names).toEqual([...names].sort((a, b) => a!.localeCompare(b!)));
    expect(names).toContain("Z<script>alert(1)</script>"); // shown as text, never run

    // Filtering: by symbol text, then by a column condition in percent.
    const visible = () =>
      page.$$eval("#overview-table tbody tr", (rows) =>
        rows.filter((row: El) => !row.hidden).map((row: El) => row.querySelector("td.sym").textContent),
      );
    await page.fill("#filter", "q");
    expect(await visible()).toEqual(["QQQ"]);
    expect(await page.textContent("#count")).toBe("1 of 5 symbols");
    expect(await page.locator("section.sym:not([hidden]) h2").allTextContents()).toEqual([
      expect.stringMatching(/^QQQ /),
    ]); // the sections follow the filter
    const median = [...asc].sort((a, b) => a - b)[2]! * 100;
    await page.fill("#filter", `iv>${median.toFixed(3)}`);
    expect((await visible()).length).toBe(asc.filter((v) => v * 100 > Number(median.toFixed(3))).length);
    await page.fill("#filter", "");
    expect((await visible()).length).toBe(5);

    await renderAll(page);
    const check = await chartCheck(page);
    expect(check.bad).toEqual([]);
    expect(check.charts).toBe(5 * 6 + 5);
    // The page script keeps its names to itself: only uPlot and window.__report are global.
    expect(
      await page.evaluate(() => [typeof window.renderSection, typeof window.plot, typeof window.uPlot]),
    ).toEqual(["undefined", "undefined", "function"]); // six charts per symbol + five sparklines
    expect(await page.locator(".stats-table table tbody tr").count()).toBe(5 * 5);

    const shot = process.env.TTAPI_REPORT_SCREENSHOT || join(tmp("ttapi-report-shot-"), "report.png");
    await page.click('th[data-key="ivr"]');
    await page.evaluate(() => {
      document.querySelector(".table-wrap").scrollLeft = 0;
      window.scrollTo(0, 0);
    });
    await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1280, height: 1180 }, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
  });

  test("one day of history and a partial lake: notes instead of charts, still no error", async () => {
    const dataDir = tmp("ttapi-report-browser-");
    await writeSyntheticLake({
      root: join(dataDir, "lake"),
      symbols: ["SPY", "</script><b>x</b>"],
      dates: 1,
      omit: ["option_quotes", "expected_moves"],
      ownIvRank: false,
    });
    const r = writeReport({ dataDir });
    const { page, problems } = await open(r.file);
    await renderAll(page);
    const check = await chartCheck(page);
    expect(check.bad).toEqual([]);
    expect(check.charts).toBe(2 * 2); // price and cone per symbol; no sparkline with one day
    const notes = await page.$$eval(".note", (ps) => ps.map((p) => p.textContent));
    expect(notes.some((n) => n?.includes("needs at least 2 collected days of history (1 so far)"))).toBe(
      true,
    );
    expect(notes.some((n) => n?.includes("table `option_quotes` is not in the lake yet"))).toBe(true);
    expect(await page.textContent("#overview-table tbody")).toContain("not collected yet");
    expect(await page.locator("b").count()).toBe(0); // the symbol's markup stayed text
    expect(problems).toEqual([]);
  });
});
