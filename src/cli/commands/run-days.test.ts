/**
 * `ttapi run --demo --days N` as a user runs it: one line per played day, one JSON summary with
 * every day, a lake partition per day, and clear usage errors for a bad or misplaced --days.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliRunner } from "../../core/testing/cli-process.ts";

setDefaultTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-cli-days-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ttapi = cliRunner(dir);

describe("ttapi run --demo --days", () => {
  test("two days: a line per day, a JSON summary with both, a partition per day", async () => {
    const r = await ttapi("run", "--demo", "--days", "2", "--json");
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(
      lines.filter((l) => /^day [12]\/2 2026-08-0[34] complete in [\d.]+s · \d+ option quotes$/.test(l)),
    ).toHaveLength(2);
    const j = JSON.parse(r.stdout) as {
      status: string;
      days: { date: string; status: string; problems: string[] }[];
    };
    expect(j.status).toBe("complete");
    expect(j.days.map((d) => [d.date, d.status, d.problems])).toEqual([
      ["2026-08-03", "complete", []],
      ["2026-08-04", "complete", []],
    ]);
    expect(readdirSync(join(dir, "data", "lake", "option_quotes")).sort()).toEqual([
      "date=2026-08-03",
      "date=2026-08-04",
    ]);
  });

  test("usage errors: --days without --demo, not a number, out of range → exit 2, one clear line", async () => {
    const a = await ttapi("run", "--days", "3");
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("only apply with --demo");
    const b = await ttapi("run", "--demo", "--days", "three");
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--days must be a whole number, got "three"');
    const c = await ttapi("run", "--demo", "--days", "0");
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("--days must be a whole number from 1 to 500");
  });
});
