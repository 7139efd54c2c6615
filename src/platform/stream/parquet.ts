/**
 * Column buffers → one Parquet file, written atomically (temp file, fsync, rename): a reader or a
 * crash never sees a partial file. Numbers keep their wire meaning (epoch-ms times stay numbers) with
 * NaN turned into null; dictionary columns are expanded inside polars by a join on the codes (far
 * cheaper than materialising a million JS strings), and `receivedAt` becomes a millisecond Datetime.
 */
import pl from "nodejs-polars";
import { atomicWrite } from "../../core/atomic.ts";
import type { BuiltColumn } from "./columns.ts";

export interface TakenColumns {
  rows: number;
  receivedAt: Float64Array;
  columns: BuiltColumn[];
}

export type Compression = "zstd" | "snappy" | "uncompressed";

export function eventsFrame(t: TakenColumns): pl.DataFrame {
  const row = new Int32Array(t.rows);
  for (let i = 0; i < t.rows; i++) row[i] = i;
  const series: pl.Series[] = [pl.Series("_row", row), pl.Series("receivedAt", t.receivedAt)];
  const dicts: BuiltColumn[] = [];
  for (const c of t.columns) {
    if (c.kind === "number") series.push(pl.Series(c.name, c.numbers!));
    else {
      dicts.push(c);
      series.push(pl.Series(`_k_${c.name}`, c.codes!));
    }
  }
  let df = pl.DataFrame(series);
  for (const c of dicts) {
    const dict = c.dictionary!;
    const isBool = c.isBool === true;
    const keys = new Int32Array(dict.length);
    for (let i = 0; i < dict.length; i++) keys[i] = i;
    const values = isBool
      ? pl.Series(c.name, dict as (boolean | null)[], pl.Bool)
      : pl.Series(c.name, dict as (string | null)[], pl.Utf8);
    const lookup = pl.DataFrame([pl.Series(`_k_${c.name}`, keys), values]);
    df = df.join(lookup, { on: `_k_${c.name}`, how: "left" }).drop(`_k_${c.name}`);
  }
  const numberCols = t.columns.filter((c) => c.kind === "number").map((c) => c.name);
  return df
    .sort("_row")
    .select(
      pl.col("receivedAt").cast(pl.Int64).cast(pl.Datetime("ms")).alias("receivedAt"),
      ...t.columns.map((c) => (numberCols.includes(c.name) ? pl.col(c.name).fillNan(null) : pl.col(c.name))),
    );
}

export async function writeEventsParquet(
  target: string,
  t: TakenColumns,
  compression: Compression = "zstd",
): Promise<void> {
  const df = eventsFrame(t);
  await atomicWrite(target, (tmp) => {
    df.writeParquet(tmp, { compression });
  });
}
