/**
 * Two recorders writing into one output folder at the same time (two `ttapi stream` runs started in
 * the same second, or two recorders in one process) must never overwrite each other's files: every
 * event either run reports is on disk, in a file that run listed.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { startStandaloneDxlink } from "../../sim/index.ts";
import { quoteTokenProvider } from "../../sim/testing/quote-token.ts";
import { recordStream } from "./recorder.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(90_000);

const TRIALS = 3;

test(`two concurrent recorders into one --out × ${TRIALS} trials: no file overwritten, every event on disk`, async () => {
  const sim = startStandaloneDxlink({ seed: 7, eventsPerSecPerSymbol: 40 });
  const root = mkdtempSync(join(tmpdir(), "ttapi-collide-"));
  let lostTrials = 0;
  try {
    for (let t = 0; t < TRIALS; t++) {
      const out = join(root, `t${t}`);
      const run = (writer: "worker" | "inline") =>
        recordStream({
          clientOptions: { getQuoteToken: quoteTokenProvider(sim), aggregationPeriodSec: 0.05 },
          subscriptions: [{ type: "Quote", symbols: ["AAPL", "MSFT"] }],
          outDir: out,
          rollSeconds: 0.4,
          durationMs: 1500,
          writer,
        });
      const [a, b] = await Promise.all([run("worker"), run("inline")]);
      const listed = [...a.files, ...b.files].map((f) => f.path);
      const onDisk = readdirSync(join(out, "Quote")).filter((f) => f.endsWith(".parquet"));
      const rows = onDisk.reduce((s, f) => s + pl.readParquet(join(out, "Quote", f)).height, 0);
      if (rows !== a.events + b.events || new Set(listed).size !== listed.length) lostTrials++;
      expect(new Set(listed).size).toBe(listed.length);
      expect(onDisk.length).toBe(listed.length);
      expect(rows).toBe(a.events + b.events);
    }
  } finally {
    console.log(`stream-name collision: ${lostTrials} of ${TRIALS} trials lost events`);
    rmSync(root, { recursive: true, force: true });
    await sim.stop();
  }
});
