/** The CLI as a user meets it: help, version, unknown commands/flags, config errors — via a real process. */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { homeEnv, runCliSync } from "../core/testing/cli-process.ts";
import { tempDirs } from "../core/testing/temp-dirs.ts";
import { COMMANDS } from "./main.ts";

const tmp = tempDirs();
afterAll(() => tmp.removeAll());

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

/** Each call in a fresh home: nothing one command writes is seen by the next. */
const ttapi = (args: string[], env: Record<string, string> = {}) =>
  runCliSync(args, { env: { ...homeEnv(tmp.make("ttapi-cli-")), NO_COLOR: "1", ...env } });

describe("cli", () => {
  test("--version and --help", () => {
    const v = ttapi(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^ttapi \d+\.\d+\.\d+/);
    const h = ttapi(["--help"]);
    expect(h.code).toBe(0);
    for (const c of ["run", "import", "stream", "stats", "sim", "cache", "config", "auth"])
      expect(h.stdout).toContain(`  ${c}`);
  });

  test("every command has help text", () => {
    for (const name of Object.keys(COMMANDS)) {
      const r = ttapi([name, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(40);
      expect(r.stdout).toContain("USAGE");
    }
  });

  test("unknown command and unknown flag: one clear line, exit code 2", () => {
    const a = ttapi(["frobnicate"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('unknown command "frobnicate"');
    expect(a.stderr).not.toContain("    at ");
    const b = ttapi(["config", "show", "--frobnicate"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("unknown option --frobnicate");
  });

  test("a bad config file: error names file, key and expected type; exit code 78; no stack", () => {
    const dir = tmp.make("ttapi-badcfg-");
    const file = join(dir, "bad.toml");
    writeFileSync(file, "[api]\nconcurrency = true\n");
    const r = ttapi(["config", "show", "--config", file]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain("api.concurrency");
    expect(r.stderr).toContain("expected an integer");
    expect(r.stderr).not.toContain("    at ");
  });

  test("config show: env overrides, secrets redacted", () => {
    const r = ttapi(["config", "show"], { TTAPI_CONCURRENCY: "33", TT_CLIENT_SECRET: "hush-hush-secret" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("api.concurrency = 33  # env");
    expect(r.stdout).not.toContain("hush-hush-secret");
  });
});
