import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeConfig, loadConfig, parseDuration } from "./config.ts";
import { TTError } from "./errors.ts";
import { tempDirs } from "./testing/temp-dirs.ts";

const tmp = tempDirs();
afterAll(() => tmp.removeAll());

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

function tmpFile(content: string): string {
  const dir = tmp.make("ttapi-cfg-");
  const p = join(dir, "ttapi.toml");
  writeFileSync(p, content);
  return p;
}

describe("config", () => {
  test("precedence: flags > env > file > defaults", () => {
    const file = tmpFile(
      '[api]\nconcurrency = 50\nenv = "sandbox"\ntimeout = "30s"\n[stats]\nwindows = [20, 60]\n',
    );
    const base = loadConfig({ configPath: file, env: {} });
    expect(base.config["api.concurrency"]).toBe(50);
    expect(base.config["api.env"]).toBe("sandbox");
    expect(base.config["api.timeout"]).toBe(30);
    expect(base.config["stats.windows"]).toEqual([20, 60]);
    expect(base.config["api.retries"]).toBe(6);
    expect(base.sources["api.concurrency"]).toBe("file");

    const withEnv = loadConfig({ configPath: file, env: { TTAPI_CONCURRENCY: "20", TTAPI_ENV: "sim" } });
    expect(withEnv.config["api.concurrency"]).toBe(20);
    expect(withEnv.config["api.env"]).toBe("sim");

    const withFlag = loadConfig({
      configPath: file,
      env: { TTAPI_CONCURRENCY: "20" },
      flags: { "api.concurrency": "7" },
    });
    expect(withFlag.config["api.concurrency"]).toBe(7);
    expect(withFlag.sources["api.concurrency"]).toBe("flag");
  });

  test("the default file is ttapi.toml in the XDG config dir", () => {
    const home = tmp.make("ttapi-xdg-");
    mkdirSync(join(home, "ttapi"));
    writeFileSync(join(home, "ttapi", "ttapi.toml"), "[api]\nretries = 2\n");
    const loaded = loadConfig({ env: { XDG_CONFIG_HOME: home } });
    expect(loaded.config["api.retries"]).toBe(2);
    expect(loaded.file).toBe(join(home, "ttapi", "ttapi.toml"));
  });

  test("a bad value names the file, the key and the expected type", () => {
    const file = tmpFile('[api]\nconcurrency = "lots"\n');
    let err: unknown;
    try {
      loadConfig({ configPath: file, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TTError);
    const msg = (err as TTError).message;
    expect((err as TTError).code).toBe("E_CONFIG");
    expect(msg).toContain(file);
    expect(msg).toContain("api.concurrency");
    expect(msg).toContain("an integer");
  });

  test("unknown keys, bad choices, bad TOML and bad env values are clear errors", () => {
    expect(() => loadConfig({ configPath: tmpFile("[api]\nconcurency = 5\n"), env: {} })).toThrow(
      /unknown key "api.concurency"/,
    );
    expect(() => loadConfig({ configPath: tmpFile('[api]\nenv = "prod"\n'), env: {} })).toThrow(
      /one of production\|sandbox\|sim/,
    );
    expect(() => loadConfig({ configPath: tmpFile("[api\n"), env: {} })).toThrow(/invalid TOML/);
    expect(() => loadConfig({ env: { TTAPI_CONCURRENCY: "x", XDG_CONFIG_HOME: "/nonexistent" } })).toThrow(
      /TTAPI_CONCURRENCY/,
    );
    expect(() => loadConfig({ configPath: "/nonexistent/ttapi.toml", env: {} })).toThrow(/not found/);
  });

  test("config show redacts secrets", () => {
    const loaded = loadConfig({
      env: {
        TT_CLIENT_SECRET: "very-secret-value",
        TT_REFRESH_TOKEN: "rt-abcdef",
        XDG_CONFIG_HOME: "/nonexistent",
      },
    });
    const text = describeConfig(loaded);
    expect(text).not.toContain("very-secret-value");
    expect(text).not.toContain("rt-abcdef");
    expect(text).toContain('api.client-secret = "[REDACTED]"  # env');
  });

  test("durations", () => {
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("15m")).toBe(900);
    expect(parseDuration("1h")).toBe(3600);
    expect(parseDuration("250ms")).toBe(0.25);
    expect(parseDuration("soon")).toBeNull();
  });
});
