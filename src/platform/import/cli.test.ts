/** `ttapi import` end to end as a subprocess: JSON summary on stdout, exit codes, strict mode. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCliSync } from "../../core/testing/cli-process.ts";
import { extractDatabases } from "../../metastock/testing/fixtures.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-import-cli-"));
const dbs = extractDatabases();
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dbs, { recursive: true, force: true });
});
const env = {
  XDG_CONFIG_HOME: join(tmp, "cfg"),
  XDG_DATA_HOME: join(tmp, "data"),
  NO_COLOR: "1",
};

const ttapi = (...args: string[]) => runCliSync(args, { env });

describe("ttapi import", () => {
  test("--json prints the summary on stdout only", () => {
    const out = join(tmp, "o1");
    const r = ttapi(
      "import",
      join(dbs, "msdir_stooq"),
      join(dbs, "msdir_equis_b"),
      "--out",
      out,
      "--json",
      "--compression",
      "snappy",
    );
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ files: 5, rows: 8, duplicates: 0, skipped: 0, errors: [] });
    expect(typeof s.seconds).toBe("number");
    expect(existsSync(join(out, "bars", "period=D", "symbol=.N225", "part-0.parquet"))).toBe(true);
  });

  test("a summary line on stderr without a TTY; bad rows listed with file:line", () => {
    const dir = join(tmp, "txt");
    mkdirSync(dir, { recursive: true });
    const f = join(dir, "a.us.txt");
    writeFileSync(
      f,
      "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\nA.US,D,20200102,000000,1,2,0.5,1.5,10,0\nA.US,D,20200103,000000,1,2,0.5,,10,0\n",
    );
    const r = ttapi("import", dir, "--out", join(tmp, "o2"), "--csv");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`skipped ${f}:3: empty value in close field`);
    expect(r.stderr).toMatch(/imported 1 row \(1 symbol\) from 1 file in /);
    expect(existsSync(join(tmp, "o2", "bars", "period=D", "symbol=A.US", "part-0.csv"))).toBe(true);

    const strict = ttapi("import", dir, "--out", join(tmp, "o3"), "--strict");
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain(`${f}:3: empty value in close field`);
    expect(existsSync(join(tmp, "o3", "bars"))).toBe(false);
  });

  test("unreadable path: one clear error, non-zero exit; without --out the data directory's lake", () => {
    const r = ttapi("import", join(tmp, "missing"), "--out", join(tmp, "o4"));
    expect(r.code).toBe(74);
    expect(r.stderr.trim().split("\n")[0]).toBe(
      `ttapi: error E_IO: cannot read ${join(tmp, "missing")}: no such file or folder`,
    );
    const dataDir = join(tmp, "dd");
    const u = ttapi("import", join(dbs, "msdir_stooq"), "--data-dir", dataDir);
    expect(u.code).toBe(0);
    expect(u.stderr).toContain(`→ ${join(dataDir, "lake")}/bars`);
    expect(existsSync(join(dataDir, "lake", "bars"))).toBe(true);
  });
});
