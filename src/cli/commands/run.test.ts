/**
 * `ttapi run` and `ttapi cache` as a user runs them (a child process, stderr not a TTY): plain
 * lines without escape codes, one JSON summary with --json, exit codes, clear usage errors.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliRunner } from "../../core/testing/cli-process.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-cli-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ttapi = cliRunner(dir);

describe("ttapi run --demo", () => {
  test("not a TTY: one plain line per state change, no escape codes; exit 0", async () => {
    const r = await ttapi("run", "--demo");
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/\x1b/);
    const lines = r.stderr.trim().split("\n");
    expect(lines.some((l) => /Symbol Data \/ option chains: START$/.test(l))).toBe(true);
    expect(lines.some((l) => /Math \/ statistics: DONE \d+ bars in /.test(l))).toBe(true);
    expect(lines.filter((l) => / (START|DONE|SKIPPED|FAILED)/.test(l)).length).toBe(34); // 17 tasks × 2
    expect(r.stderr).toContain("run complete in");
    expect(r.stdout).toBe("");
  }, 60_000);

  test("--cached --json: one JSON summary on stdout with per-stage status, counts, seconds, cache hits", async () => {
    const r = await ttapi("run", "--demo", "--cached", "--json", "-q");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.status).toBe("complete");
    expect(Object.keys(j.stages)).toEqual(["core", "symbols", "eod", "math"]);
    for (const s of Object.values(j.stages) as {
      status: string;
      cacheHits: number;
      tasks: number;
      seconds: number;
      failures: unknown[];
    }[]) {
      expect(s.status).toBe("complete");
      expect(s.cacheHits).toBe(s.tasks);
      expect(typeof s.seconds).toBe("number");
      expect(s.failures).toEqual([]);
    }
    expect(r.stderr).toBe("");
  }, 60_000);

  test("ttapi cache status / clear", async () => {
    const s = await ttapi("cache", "status", "--json");
    expect(s.code).toBe(0);
    const rows = JSON.parse(s.stdout) as { id: string; state: string }[];
    expect(rows.map((r) => r.id)).toContain("chains/chains");
    expect(rows.every((r) => r.state === "fresh")).toBe(true);
    const table = await ttapi("cache", "status");
    expect(table.stdout.split("\n")[0]).toMatch(/^ARTIFACT\s+STATE\s+AGE\s+TTL/);
    const c = await ttapi("cache", "clear", "chains");
    expect(c.code).toBe(0);
    expect(c.stderr).toContain("removed 1 artifact of kind chains");
    const after = JSON.parse((await ttapi("cache", "status", "--json")).stdout) as {
      id: string;
      state: string;
    }[];
    expect(after.find((r) => r.id === "chains/chains")?.state).toBe("missing");
  }, 60_000);

  test("usage errors: demo-only flags, bad scale, bad fault spec, unknown kind → exit 2, one clear line", async () => {
    const a = await ttapi("run", "--faults", "errors=0.2");
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("only apply with --demo");
    const b = await ttapi("run", "--demo", "--scale", "huge");
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--scale must be small or full");
    const c = await ttapi("run", "--demo", "--faults", "bogus=1");
    expect(c.code).not.toBe(0);
    expect(c.stderr.split("\n")[0]).toMatch(/bogus/);
    const d = await ttapi("cache", "clear", "nope");
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('unknown artifact kind "nope"');
  }, 60_000);
});

describe("ttapi run without credentials", () => {
  test("stops at the first auth failure: one message, one hint, exit 77 (auth); no duplicated warnings", async () => {
    const r = await ttapi("run", "--data-dir", join(dir, "nocreds"), "--env", "production");
    expect(r.code).toBe(77);
    expect(r.stderr.match(/no credentials for the production environment/g)?.length).toBeLessThanOrEqual(2);
    expect(r.stderr).toMatch(
      /\/ (accounts|balances|positions|quote token|equities|option chains|market metrics|quotes): no credentials for the production environment/,
    );
    expect(r.stderr).toContain("stopped after that failure");
    expect(r.stderr.match(/hint: /g)?.length).toBe(1);
    expect(r.stderr.match(/hint: run `ttapi auth login`/g)?.length).toBe(1);
    expect(r.stderr).toContain("ttapi run --demo");
    expect(r.stderr).not.toContain("WARN");
  }, 60_000);
});
