/**
 * Hostile input on the command line: escape sequences and binary bytes are never echoed raw to the
 * terminal, and device files or huge lists given as input fail at once with one clear error
 * (`--symbols-file /dev/zero` used to grow past 1.3 GB; `ttapi import /dev/zero` exited 0).
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../core/testing/cli-process.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const home = mkdtempSync(join(tmpdir(), "ttapi-input-safety-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const ttapi = (args: string[]) =>
  runCli([...args, "--data-dir", join(home, "data")], {
    env: { XDG_CONFIG_HOME: join(home, "config"), TTAPI_ENV: "sim", TTAPI_API_URL: "" },
    timeoutMs: 30_000,
  });

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("terminal injection", () => {
  test("--symbols with an OSC escape sequence: shown escaped, never raw", async () => {
    const r = await ttapi(["run", "--symbols", "\u001b]0;pwned\u0007"]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain("\\x1b]0;pwned\\x07");
  });

  test("a binary symbols file: one short escaped line", async () => {
    const bin = join(home, "binary.txt");
    writeFileSync(bin, Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37 + 1) % 256)));
    const r = await ttapi(["run", "--symbols-file", bin]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr.length).toBeLessThan(400);
    expect(r.stderr).toContain(`${bin}:1`);
  });
});

test("ttapi import: a bad row holding an escape sequence is reported escaped", async () => {
  const f = join(home, "evil.txt");
  writeFileSync(
    f,
    "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\nA.US,D,20200102,000000,1,1,1,1,1,0\nB.US,D,2020\u001b]0;pwned\u0007,000000,1,1,1,1,1,0\n",
  );
  const r = await ttapi(["import", f, "--out", join(home, "evil-out")]);
  expect(r.stderr).toContain(`skipped ${f}:3`);
  expect(r.stderr).not.toMatch(RAW_CONTROL);
});

describe("unbounded reads", () => {
  test("run --symbols-file /dev/zero: a clear error at once", async () => {
    const r = await ttapi(["run", "--symbols-file", "/dev/zero"]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain("symbols file /dev/zero is a character device, not a regular file");
  });

  test("stream --symbols-file /dev/zero: a clear error at once", async () => {
    const r = await ttapi(["stream", "--symbols-file", "/dev/zero", "--duration", "1s"]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain("--symbols-file /dev/zero is a character device");
  });

  test("--config /dev/zero: a clear error at once", async () => {
    const r = await ttapi(["config", "show", "--config", "/dev/zero"]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("config file /dev/zero is a character device, not a regular file");
  });

  test("a symbols file over the 4 MiB list cap is refused", async () => {
    const big = join(home, "big.txt");
    writeFileSync(big, "AAPL\n".repeat(1_000_000));
    const r = await ttapi(["run", "--symbols-file", big]);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain("is larger than 4 MiB");
  });

  test("ttapi import /dev/zero fails with a clear error (it exited 0)", async () => {
    const r = await ttapi(["import", "/dev/zero", "--out", join(home, "out")]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain("/dev/zero: a character device, not a regular file");
  });
});
