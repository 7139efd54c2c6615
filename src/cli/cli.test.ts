/** The CLI as a user meets it: help, version, unknown commands/flags, config errors — via a real process. */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "../core/testing/temp-dirs.ts";
import { COMMANDS } from "./main.ts";

const tmp = tempDirs();
afterAll(() => tmp.removeAll());

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const MAIN = join(import.meta.dir, "main.ts");

function ttapi(args: string[], env: Record<string, string> = {}) {
  const home = tmp.make("ttapi-cli-");
  const p = Bun.spawnSync([process.execPath, MAIN, ...args], {
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_DATA_HOME: join(home, "data"),
      NO_COLOR: "1",
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe("cli", () => {
  test("--version and --help", () => {
    const v = ttapi(["--version"]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^ttapi \d+\.\d+\.\d+/);
    const h = ttapi(["--help"]);
    expect(h.code).toBe(0);
    for (const c of ["run", "import", "stream", "stats", "sim", "cache", "config", "auth"])
      expect(h.out).toContain(`  ${c}`);
  });

  test("every command has help text", () => {
    for (const name of Object.keys(COMMANDS)) {
      const r = ttapi([name, "--help"]);
      expect(r.code).toBe(0);
      expect(r.out.length).toBeGreaterThan(40);
      expect(r.out).toContain("USAGE");
    }
  });

  test("unknown command and unknown flag: one clear line, exit code 2", () => {
    const a = ttapi(["frobnicate"]);
    expect(a.code).toBe(2);
    expect(a.err).toContain('unknown command "frobnicate"');
    expect(a.err).not.toContain("    at ");
    const b = ttapi(["config", "show", "--frobnicate"]);
    expect(b.code).toBe(2);
    expect(b.err).toContain("unknown option --frobnicate");
  });

  test("a bad config file: error names file, key and expected type; exit code 78; no stack", () => {
    const dir = tmp.make("ttapi-badcfg-");
    const file = join(dir, "bad.toml");
    writeFileSync(file, "[api]\nconcurrency = true\n");
    const r = ttapi(["config", "show", "--config", file]);
    expect(r.code).toBe(78);
    expect(r.err).toContain(file);
    expect(r.err).toContain("api.concurrency");
    expect(r.err).toContain("expected an integer");
    expect(r.err).not.toContain("    at ");
  });

  test("config show: env overrides, secrets redacted", () => {
    const r = ttapi(["config", "show"], { TTAPI_CONCURRENCY: "33", TT_CLIENT_SECRET: "hush-hush-secret" });
    expect(r.code).toBe(0);
    expect(r.out).toContain("api.concurrency = 33  # env");
    expect(r.out).not.toContain("hush-hush-secret");
  });
});
