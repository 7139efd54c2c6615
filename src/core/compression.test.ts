import { describe, expect, test } from "bun:test";
import { COMPRESSIONS, isCompression, parquetCompression } from "./compression.ts";

describe("compression names", () => {
  test("users say none, the Parquet writer says uncompressed; the others pass through", () => {
    expect(COMPRESSIONS.map(parquetCompression)).toEqual(["zstd", "snappy", "uncompressed"]);
  });
  test("only the three names are compressions", () => {
    expect(COMPRESSIONS.every(isCompression)).toBe(true);
    expect(["uncompressed", "ZSTD", "", undefined, 1].some(isCompression)).toBe(false);
  });
});
