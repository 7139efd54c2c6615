import { chromium } from "playwright-core";
const ctx = await chromium.launchPersistentContext("/tmp/probe-prof-" + Date.now(), { executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox","--disable-gpu"], viewport: { width: 1280, height: 860 } });
for (let i = 0; i < 2; i++) {
const p = await ctx.newPage();
await p.goto("file://" + process.argv[2]);
await p.waitForFunction("window.__report && window.__report.firstChartMs");
console.log(await p.evaluate(() => { const n = performance.getEntriesByType("navigation")[0] as any; const paint = performance.getEntriesByType("paint").map((e: any) => e.name + ":" + e.startTime.toFixed(0)); return JSON.stringify({ responseEnd: n.responseEnd, domInteractive: n.domInteractive, dcl: n.domContentLoadedEventStart, load: n.loadEventStart, first: (window as any).__report.firstChartMs, start: (window as any).__report.startMs, parsed: (window as any).__report.parsedMs, t: (window as any).__report.t, paint }); }));
await p.close();
}
await ctx.close();
