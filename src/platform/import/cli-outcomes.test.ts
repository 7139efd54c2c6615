/**
 * `ttapi import` outcomes scripts rely on (issue 16): `--json` prints a parseable summary on every
 * outcome, an import that yields no row exits non-zero, and a daily all-symbol file imports with
 * a bounded number of open files (run under `ulimit -n 256`).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCliSync } from "../../core/testing/cli-process.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-import-outcomes-"));
// Thousands of symbol folders: removing them takes a while on a loaded machine.
afterAll(() => rmSync(tmp, { recursive: true, force: true }), 120_000);
const env = {
  XDG_CONFIG_HOME: join(tmp, "cfg"),
  XDG_DATA_HOME: join(tmp, "data"),
  NO_COLOR: "1",
};

const ttapi = (args: string[], ulimit?: number) =>
  runCliSync(args, { env, ...(ulimit ? { maxOpenFiles: ulimit } : {}) });

const HEADER = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>";

describe("ttapi import outcomes", () => {
  test("a file that is not MetaStock at all: non-zero exit, the JSON summary names the problem", () => {
    const f = join(tmp, "notes.txt");
    writeFileSync(f, "just some text\nnothing like a quote\n");
    const r = ttapi(["import", f, "--out", join(tmp, "o1"), "--json"]);
    expect(r.code).toBe(65);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ ok: false, rows: 0, errorCount: 1, error: { code: "E_DATA" } });
    expect(s.error.message).toStartWith("nothing imported: no input yielded a row");
    expect(s.errors[0].file).toBe(f);
    expect(r.stderr).toContain("ttapi: error E_DATA: nothing imported");
  });

  test("a failed import (--strict) still prints the JSON summary with the error", () => {
    const f = join(tmp, "bad.txt");
    writeFileSync(
      f,
      `${HEADER}\nA,D,20200102,000000,1,2,0.5,1.5,10,0\nA,D,2020013x,000000,1,2,0.5,1.5,10,0\n`,
    );
    const r = ttapi(["import", f, "--out", join(tmp, "o2"), "--json", "--strict"]);
    expect(r.code).toBe(65);
    const s = JSON.parse(r.stdout);
    expect(s.ok).toBe(false);
    expect(s.error.message).toBe(`${f}:3: bad date in date field "2020013x"`);
  });

  test("a daily all-symbol file (3,000 symbols) imports at ulimit -n 256", () => {
    const dir = join(tmp, "daily");
    mkdirSync(dir);
    for (const day of [2, 3]) {
      const lines = [HEADER];
      for (let s = 0; s < 3000; s++) lines.push(`S${s},D,2020010${day},000000,10,11,9,10.5,100,0`);
      writeFileSync(join(dir, `day${day}.txt`), `${lines.join("\n")}\n`);
    }
    const out = join(tmp, "o3");
    const r = ttapi(["import", dir, "--out", out, "--json"], 256);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, rows: 6000, symbols: 3000, errorCount: 0 });
    expect(readdirSync(join(out, "bars", "period=D"))).toHaveLength(3000);
  }, 300_000);
});
