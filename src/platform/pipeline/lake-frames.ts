/**
 * The lake's snapshot tables as frames, from what the pipeline's artifacts hold. Column names,
 * order and types here are the public contract of README "The lake": each builder returns exactly
 * the documented columns, `snapshot_time` (Datetime ms, UTC) first. `date` is never a column: it
 * is the partition path.
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import { daysFromIso } from "../../core/bars.ts";
import type { SnapshotTable } from "../lake/tables.ts";

/** Prepend `snapshot_time` (UTC instant the data was taken) to a frame. */
export function withSnapshotTime(df: pl.DataFrame, snapshotTime: number): pl.DataFrame {
  return df.select(
    pl.lit(new Date(snapshotTime)).cast(pl.Datetime("ms", "UTC")).alias("snapshot_time"),
    ...df.columns.filter((c) => c !== "snapshot_time").map((c) => pl.col(c)),
  );
}

const CHAIN_COLUMNS = [
  "snapshot_time",
  "underlying_symbol",
  "root_symbol",
  "option_symbol",
  "streamer_symbol",
  "option_type",
  "expiration_date",
  "days_to_expiration",
  "strike_price",
  "expiration_type",
  "settlement_type",
  "shares_per_contract",
] as const;

/**
 * The nested chains (one row per strike with call and put columns, as the API nests them) in LONG
 * form: one row per option. `days_to_expiration` counts calendar days from the partition's date,
 * so it describes that trading date whenever the chain was fetched. A strike listing only a call
 * (or only a put) gives one row.
 */
export function chainsLong(wide: pl.DataFrame, date: string, snapshotTime: number): pl.DataFrame {
  const day = daysFromIso(date);
  const side = (type: "C" | "P", sym: string, streamer: string) =>
    wide
      .filter(pl.col(sym).isNotNull())
      .select(
        pl.col("underlying_symbol").cast(pl.Utf8),
        pl.col("root_symbol").cast(pl.Utf8),
        pl.col(sym).cast(pl.Utf8).alias("option_symbol"),
        pl.col(streamer).cast(pl.Utf8).alias("streamer_symbol"),
        pl.lit(type).alias("option_type"),
        pl.col("expiration_date").cast(pl.Date),
        pl
          .col("expiration_date")
          .cast(pl.Date)
          .cast(pl.Int32)
          .sub(pl.lit(day))
          .cast(pl.Int32)
          .alias("days_to_expiration"),
        pl.col("strike_price").cast(pl.Float64),
        pl.col("expiration_type").cast(pl.Utf8),
        pl.col("settlement_type").cast(pl.Utf8),
        pl.col("shares_per_contract").cast(pl.Int32),
      );
  const long = pl
    .concat([side("C", "call", "call_streamer_symbol"), side("P", "put", "put_streamer_symbol")], {
      how: "vertical",
    })
    .sort(["underlying_symbol", "expiration_date", "strike_price", "option_type"]);
  return withSnapshotTime(long, snapshotTime).select(...CHAIN_COLUMNS);
}

/** Estimator names as the lake (and `ttapi stats --estimators`) spell them. */
const SHORT_ESTIMATOR: Record<string, string> = {
  close_to_close: "c2c",
  parkinson: "parkinson",
  garman_klass: "gk",
  rogers_satchell: "rs",
  yang_zhang: "yz",
};

/**
 * `volatility`: the latest estimate of every (symbol, estimator, window) joined with its cone, from
 * the statistics folder (`<dir>/stats/{latest,cone}.parquet`).
 */
export function volatilityFrame(statsDir: string, snapshotTime: number): pl.DataFrame {
  const latest = pl.readParquet(join(statsDir, "stats", "latest.parquet"));
  const cone = pl
    .readParquet(join(statsDir, "stats", "cone.parquet"))
    .select(
      "symbol",
      "window",
      "estimator",
      pl.col("min").alias("cone_min"),
      pl.col("p25").alias("cone_p25"),
      pl.col("median").alias("cone_median"),
      pl.col("p75").alias("cone_p75"),
      pl.col("max").alias("cone_max"),
      pl.col("latest_pct").alias("cone_percentile"),
      pl.col("reason").alias("cone_reason"),
    );
  const joined = latest
    .join(cone, { on: ["symbol", "window", "estimator"], how: "left" })
    .select(
      pl.col("symbol").cast(pl.Utf8),
      pl
        .col("estimator")
        .cast(pl.Utf8)
        .replace(Object.keys(SHORT_ESTIMATOR), Object.values(SHORT_ESTIMATOR))
        .alias("estimator"),
      pl.col("window").cast(pl.Int32),
      pl.col("vol").cast(pl.Float64),
      pl.col("ci_low").cast(pl.Float64),
      pl.col("ci_high").cast(pl.Float64),
      pl.col("n").cast(pl.Int32),
      pl.col("asof").cast(pl.Date),
      ...["cone_min", "cone_p25", "cone_median", "cone_p75", "cone_max", "cone_percentile"].map((c) =>
        pl.col(c).cast(pl.Float64),
      ),
      pl.col("reason").fillNull(pl.col("cone_reason")).cast(pl.Utf8).alias("reason"),
    )
    .sort(["symbol", "estimator", "window"]);
  return withSnapshotTime(joined, snapshotTime);
}

/** `expected_moves`: the stats artifact with `expiration` as a Date. */
export function expectedMovesFrame(df: pl.DataFrame, snapshotTime: number): pl.DataFrame {
  const typed = df.withColumns(
    df.schema.expiration?.equals(pl.Date)
      ? pl.col("expiration")
      : pl.col("expiration").str.strptime(pl.Date, "%Y-%m-%d").alias("expiration"),
  );
  return withSnapshotTime(typed, snapshotTime);
}

/**
 * What each snapshot table is made of: the pipeline task whose artifact feeds it. A table is added
 * here with its task (e.g. `option_quotes` ← the options stage's task); `snapshotFrame` in
 * lake-step.ts prepends `snapshot_time` to the artifact's frame unless the table needs a builder.
 */
export const SNAPSHOT_SOURCES: readonly {
  table: SnapshotTable;
  task: string;
  /** File mode: tables holding account data are private like the accounts artifacts. */
  mode?: number;
}[] = [
  { table: "chains", task: "sym.chains" },
  { table: "option_quotes", task: "sym.option-quotes" },
  { table: "metrics", task: "sym.metrics" },
  { table: "quotes", task: "sym.quotes" },
  { table: "positions", task: "core.positions", mode: 0o600 },
  { table: "balances", task: "core.balances", mode: 0o600 },
  { table: "volatility", task: "math.stats" },
  { table: "iv_hv", task: "math.iv-hv" },
  { table: "expected_moves", task: "math.expected-moves" },
];
