/**
 * Secrets given on the command line never reach the log file or the terminal: the `start argv=`
 * trace line of every command, error messages and the stream summary (issue: `ttapi sim
 * --client-secret … --refresh-token …` and `--url http://user:password@…` were logged verbatim).
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, spawnCli } from "../core/testing/cli-process.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const home = mkdtempSync(join(tmpdir(), "ttapi-redact-cli-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = { XDG_CONFIG_HOME: join(home, "config"), TTAPI_ENV: "", TTAPI_API_URL: "" };

test("ttapi sim --client-secret/--refresh-token: neither value is in the log", async () => {
  const data = join(home, "sim");
  const p = spawnCli(
    [
      "sim",
      "--port",
      "0",
      "--client-secret",
      "S3cretVALUE-1",
      "--refresh-token=R3freshVALUE-1",
      "--data-dir",
      data,
    ],
    { env },
  );
  const out = new Response(p.stdout).text();
  const logFile = join(data, "logs", "ttapi.log");
  const logged = () => existsSync(logFile) && readFileSync(logFile, "utf8").includes("argv");
  for (let i = 0; i < 600 && !logged(); i++) await Bun.sleep(50);
  p.kill("SIGTERM");
  await p.exited;
  await out;
  const log = readFileSync(join(data, "logs", "ttapi.log"), "utf8");
  expect(log).toContain("argv");
  expect(log).not.toContain("S3cretVALUE-1");
  expect(log).not.toContain("R3freshVALUE-1");
});

test("--url with user-info: the password is in neither the log nor the terminal", async () => {
  const data = join(home, "url");
  const r = await runCli(
    [
      "stream",
      "-vv",
      "--env",
      "sim",
      "--url",
      "http://alice:Hunter2pw@127.0.0.1:9",
      "--symbols",
      "AAPL",
      "--duration",
      "1s",
      "--data-dir",
      data,
    ],
    { env },
  );
  const log = readFileSync(join(data, "logs", "ttapi.log"), "utf8");
  expect(log).toContain("127.0.0.1:9");
  for (const text of [log, r.stdout, r.stderr]) expect(text).not.toContain("Hunter2pw");
});
