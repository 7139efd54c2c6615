/**
 * What the report page inlines: uPlot (script + stylesheet, from node_modules), the page script
 * and the page stylesheet. Imported as text, so `bun build --compile` embeds them in the binary
 * and a report opened from disk needs no network at all.
 *
 * uPlot: ~50 kB minified, draws on canvas and stays fast with tens of thousands of points and
 * hundreds of charts on one page (the report has up to ~3,500); SVG libraries build one DOM node
 * per point, and the canvas-based alternatives weigh several hundred kB.
 */

import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import { inlineSafe } from "./format.ts";
import clientJs from "./page/report.client.js" with { type: "text" };
import css from "./page/report.css" with { type: "text" };

export const REPORT_ASSETS = {
  uplotJs: inlineSafe(uplotJs),
  uplotCss: inlineSafe(uplotCss),
  clientJs: inlineSafe(clientJs),
  css: inlineSafe(css),
};
