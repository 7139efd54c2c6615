/**
 * Column buffers → one Parquet file, written atomically (temp file, fsync, rename): a reader or a
 * crash never sees a partial file. Numbers keep their wire meaning (epoch-ms times stay numbers) with
 * NaN turned into null; dictionary columns are expanded inside polars by a gather on the codes (far
 * cheaper than materialising a million JS strings), and `receivedAt` becomes a millisecond Datetime.
 */

import pl from "nodejs-polars";
import { atomicWrite } from "../../core/atomic.ts";
import { type Compression, parquetCompression } from "../../core/compression.ts";
import type { BuiltColumn } from "./columns.ts";

export interface TakenColumns {
  rows: number;
  receivedAt: Float64Array;
  columns: BuiltColumn[];
}

export function eventsFrame(t: TakenColumns): pl.DataFrame {
  const series: pl.Series[] = [pl.Series("receivedAt", t.receivedAt).cast(pl.Int64).cast(pl.Datetime("ms"))];
  for (const c of t.columns) {
    if (c.kind === "number") {
      series.push(pl.Series(c.name, c.numbers!));
      continue;
    }
    // Expand codes → values inside polars: gather from the (small) dictionary column.
    const dict = pl.DataFrame([pl.Series(c.name, c.dictionary!, c.isBool ? pl.Bool : pl.Utf8)]);
    const codes = c.codes!;
    const idx = pl.Series("i", new Uint32Array(codes.buffer, codes.byteOffset, codes.length));
    series.push(dict.select(pl.col(c.name).gather(idx as unknown as number[])).getColumn(c.name));
  }
  const numberCols = t.columns.filter((c) => c.kind === "number").map((c) => pl.col(c.name).fillNan(null));
  const df = pl.DataFrame(series);
  return numberCols.length > 0 ? df.withColumns(...numberCols) : df;
}

export async function writeEventsParquet(
  target: string,
  t: TakenColumns,
  compression: Compression = "zstd",
): Promise<void> {
  await writeFrameParquet(target, eventsFrame(t), compression);
}

export async function writeFrameParquet(
  target: string,
  df: pl.DataFrame,
  compression: Compression = "zstd",
): Promise<void> {
  // Recorded files are never replaced: a name that exists belongs to another run's data.
  await atomicWrite(
    target,
    (tmp) => {
      df.writeParquet(tmp, { compression: parquetCompression(compression) });
    },
    { replace: false },
  );
}
