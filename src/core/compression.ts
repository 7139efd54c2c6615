/**
 * Parquet compression: one name set for config, CLI and every writer. "none" is what users type;
 * the Parquet writer (polars) calls it "uncompressed", so writers translate at the call.
 */
export const COMPRESSIONS = ["zstd", "snappy", "none"] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export function isCompression(v: unknown): v is Compression {
  return typeof v === "string" && (COMPRESSIONS as readonly string[]).includes(v);
}

/** The writer's name for a compression. */
export function parquetCompression(c: Compression): "zstd" | "snappy" | "uncompressed" {
  return c === "none" ? "uncompressed" : c;
}
