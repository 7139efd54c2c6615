/**
 * `ttapi report` and the end-of-run report as a user runs them: a child process with stderr not
 * a TTY and NO_COLOR set — plain lines, one JSON summary, exit 3 naming unknown symbols, usage
 * errors, and `ttapi run` refreshing <data-dir>/report/index.html unless `report.enabled` is off.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../core/testing/cli-process.ts";
import { writeSyntheticLake } from "../../platform/testing/report-lake.ts";
import { openerFor, parseSymbolList } from "./report.ts";

setDefaultTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-cli-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ttapi = (env: Record<string, string>, ...args: string[]) =>
  runCli(args, { env: { XDG_CONFIG_HOME: join(dir, "cfg"), NO_COLOR: "1", ...env } });

describe("ttapi report", async () => {
  const data = join(dir, "data");
  await writeSyntheticLake({ root: join(data, "lake"), symbols: ["SPY", "QQQ"], dates: 2 });

  test("--json: one summary on stdout, one plain line on stderr, the file written", async () => {
    const out = join(dir, "r.html");
    const r = await ttapi({}, "report", "--data-dir", data, "--out", out, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ file: out, symbols: 2, missingSymbols: [], historyDays: 2 });
    expect(j.bytes).toBe(readFileSync(out).length);
    expect(r.stderr).toContain(`report: ${out} · 2 symbols`);
    expect(r.stderr).not.toMatch(/\x1b/);
  });

  test("unknown requested symbols: named, the rest reported, exit 3", async () => {
    const r = await ttapi({}, "report", "--data-dir", data, "--symbols", "SPY,NOPE", "--json");
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).missingSymbols).toEqual(["NOPE"]);
    expect(r.stderr).toContain("1 requested symbol is in no lake table: NOPE");
    expect(readFileSync(join(data, "report", "index.html"), "utf8")).toContain("NOPE");
  });

  test("an empty --symbols is a usage error (exit 2)", async () => {
    const r = await ttapi({}, "report", "--data-dir", data, "--symbols", ",");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--symbols is empty");
  });

  test("helpers: symbol list and the platform's opener", () => {
    expect(parseSymbolList(" SPY, QQQ ,SPY")).toEqual(["SPY", "QQQ"]);
    expect(parseSymbolList(undefined)).toBeNull();
    expect(openerFor("darwin", "/r.html")).toEqual(["open", "/r.html"]);
    expect(openerFor("linux", "/r.html")).toEqual(["xdg-open", "/r.html"]);
    expect(openerFor("win32", "C:\\r.html")[0]).toBe("cmd");
  });
});

describe("ttapi run refreshes the report", () => {
  test("report.enabled=false: none; default: <data-dir>/report/index.html in the JSON summary", async () => {
    const data = join(dir, "run-data");
    const file = join(data, "report", "index.html");
    const off = await ttapi({ TTAPI_REPORT: "false" }, "run", "--demo", "--data-dir", data, "--json", "-q");
    expect(off.code).toBe(0);
    expect(JSON.parse(off.stdout).report).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    const on = await ttapi({}, "run", "--demo", "--cached", "--data-dir", data, "--json", "-q");
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout).report).toMatchObject({ file });
    expect(readFileSync(file, "utf8")).toContain("window.__report");
  });
});
