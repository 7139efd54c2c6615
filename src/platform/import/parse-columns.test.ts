import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAscii, writeSyntheticStooq } from "../../metastock/index.ts";
import { parseToColumns } from "./parse-columns.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-parsecols-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("parseToColumns: worker-parsed columns (transferred, buffers recycled) equal a direct parse", async () => {
  const src = writeSyntheticStooq({ outDir: tmp, symbols: 150, rows: 150 * 300, seed: 5 }); // > 64 files: several tasks
  let expectedSum = 0;
  for (const f of src.files) {
    const c = parseAscii(readFileSync(f)).columns;
    for (let i = 0; i < c.length; i++) expectedSum += c.close[i]! + c.date[i]!;
  }
  let sum = 0;
  let batches = 0;
  const r = await parseToColumns({
    inputs: [src.textDir],
    workers: 2,
    onColumns: (c) => {
      batches++;
      for (let i = 0; i < c.length; i++) sum += c.close[i]! + c.date[i]!;
      return true; // done with them: recycle
    },
  });
  expect(r.rows).toBe(150 * 300);
  expect(r.errorCount).toBe(0);
  expect(batches).toBeGreaterThan(1);
  expect(sum).toBeCloseTo(expectedSum, 3);
});
