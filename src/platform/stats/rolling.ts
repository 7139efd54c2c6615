/**
 * Optional rolling-series output: `DIR/stats/rolling/symbol=<ENC>/part-0.parquet` with the date
 * and one column per (estimator, window) — `vol_<estimator>_<window>`, annualised, null where
 * the window is unavailable. Written by the worker that computed it (atomically), so the series
 * never cross a thread boundary.
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import { atomicWriteFileSync } from "../../core/atomic.ts";
import { symbolDirName } from "../../core/bars.ts";
import { ESTIMATORS, type RollingOut, type SuiteOptions } from "../../stats/index.ts";

export function rollingPath(dir: string, symbol: string): string {
  return join(dir, symbolDirName(symbol), "part-0.parquet");
}

export class RollingCollector {
  private dates: Int32Array | null = null;
  private readonly columns: pl.Series[] = [];
  private readonly selected: Set<string>;
  private readonly ann: number;

  constructor(options: SuiteOptions) {
    this.selected = new Set(options.estimators ?? ESTIMATORS);
    this.ann = options.annualization;
  }

  readonly collect = (window: number, variances: RollingOut, dates: Int32Array): void => {
    this.dates ??= dates.slice();
    ESTIMATORS.forEach((e, k) => {
      if (!this.selected.has(e)) return;
      const v = variances[k]!;
      const vol = new Float64Array(dates.length);
      for (let i = 0; i < vol.length; i++) vol[i] = Math.sqrt(v[i]! * this.ann); // NaN stays NaN
      this.columns.push(pl.Series(`vol_${e}_${window}`, vol));
    });
  };

  write(dir: string, symbol: string): void {
    if (!this.dates) return;
    const df = pl.DataFrame([pl.Series("date", this.dates).cast(pl.Date), ...this.columns]);
    const names = this.columns.map((c) => c.name);
    const clean = df.withColumns(...names.map((c) => pl.col(c).fillNan(null).alias(c)));
    atomicWriteFileSync(rollingPath(dir, symbol), clean.writeParquet({ compression: "zstd" }));
  }
}
