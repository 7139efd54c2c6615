import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configureLogging, flushLogs, getLogger, newOpId } from "./log.ts";
import { clearSecrets, registerSecret } from "./redact.ts";
import { tempDirs } from "./testing/temp-dirs.ts";

const tmp = tempDirs();

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

afterAll(() => {
  configureLogging({ file: null, consoleLevel: "warn" });
  clearSecrets();
  tmp.removeAll();
});

describe("log file", () => {
  test("JSON lines with time, level, module and op id; secrets and account numbers redacted", () => {
    const dir = tmp.make("ttapi-log-");
    const file = join(dir, "logs", "ttapi.log");
    configureLogging({ file, consoleLevel: "silent", fileLevel: "trace" });
    registerSecret("my-client-secret-123");
    const op = newOpId("req");
    const log = getLogger("client.http").child("auth", { op });
    log.trace("POST /oauth/token", {
      body: "client_secret=my-client-secret-123&refresh_token=rt-zzz",
      status: 200,
    });
    log.info("GET /accounts/5WT12345/positions", { headers: { Authorization: "Bearer abc123def" } });
    log.error("failed for my-client-secret-123");
    flushLogs();
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(3);
    for (const l of lines) {
      expect(typeof l.time).toBe("string");
      expect(l.module).toBe("client.http.auth");
      expect(l.op).toBe(op);
    }
    expect(lines.map((l) => l.level)).toEqual(["trace", "info", "error"]);
    const raw = readFileSync(file, "utf8");
    for (const leaked of ["my-client-secret-123", "rt-zzz", "5WT12345", "abc123def"])
      expect(raw).not.toContain(leaked);
  });

  test("rotates by size and keeps N files", () => {
    const dir = tmp.make("ttapi-logrot-");
    const file = join(dir, "ttapi.log");
    configureLogging({ file, consoleLevel: "silent", fileLevel: "trace", maxBytes: 4096, keep: 2 });
    const log = getLogger("test");
    for (let i = 0; i < 200; i++) {
      log.info(`line ${i} ${"x".repeat(100)}`);
      if (i % 10 === 0) flushLogs();
    }
    flushLogs();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(["ttapi.log", "ttapi.log.1", "ttapi.log.2"]);
    expect(existsSync(join(dir, "ttapi.log.3"))).toBe(false);
    configureLogging({ maxBytes: 10 * 1024 * 1024, keep: 5 });
  });
});
