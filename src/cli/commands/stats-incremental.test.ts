/** `ttapi stats --incremental` as a user meets it: first run builds the state, later runs reuse it. */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCliSync } from "../../core/testing/cli-process.ts";
import { walkBars, weekdays, writeBars } from "../../platform/testing/lake-fixtures.ts";

setDefaultTimeout(60_000);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function ttapi(args: string[], home: string) {
  const r = runCliSync(args, {
    env: { XDG_CONFIG_HOME: join(home, "c"), XDG_DATA_HOME: join(home, "d"), NO_COLOR: "1" },
  });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

test("stats --incremental: same estimates as a full run, state reused, new parts read alone", () => {
  const dir = mkdtempSync(join(tmpdir(), "ttapi-statsinc-"));
  dirs.push(dir);
  const dates = weekdays("2024-01-01", 120);
  writeBars(dir, "AAA", walkBars(dates, 1).slice(0, 100));
  writeBars(dir, "BBB", walkBars(dates, 2));
  const args = ["stats", "--data", dir, "--windows", "10,20", "--json"];
  const first = ttapi([...args, "--incremental"], dir);
  expect(first.code).toBe(0);
  expect(first.err).toContain("0 updated from their state, 2 recomputed");
  writeBars(dir, "AAA", walkBars(dates, 1).slice(100, 101), 1);
  const second = ttapi([...args, "--incremental"], dir);
  expect(second.err).toContain("2 updated from their state, 0 recomputed, 1 bars read");
  const full = ttapi(args, dir);
  expect(JSON.parse(second.out)).toEqual(JSON.parse(full.out));
  const bad = ttapi([...args, "--incremental", "--symbols", "AAA"], dir);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("--incremental cannot be combined with --symbols");
});
