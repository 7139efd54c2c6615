/**
 * A second `ttapi run` on a data directory another run holds, as cron and a user would start
 * them: with `TTAPI_LOCK_WAIT=0` it exits 75 at once with a clear message and changes nothing;
 * with a wait it says whom it waits for, runs once the holder is done, and completes. The holder
 * is a child process that keeps the lock until told to let go, so the test controls the timing.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "../core/testing/cli-process.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(240_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-cli-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, "data");

const ttapi = (args: string[], env: Record<string, string> = {}) =>
  spawnCli([...args, "--data-dir", data], {
    env: { XDG_CONFIG_HOME: join(dir, "cfg"), NO_COLOR: "", ...env },
  });

const collect = (s: ReadableStream<Uint8Array>) => new Response(s).text();

test("a second run exits 75 at once with run.lock-wait 0, or waits for the holder and then completes", async () => {
  const holder = Bun.spawn([process.execPath, join(import.meta.dir, "run-lock-holder.fixture.ts"), data], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = holder.stdout.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain("held");

  const impatient = ttapi(["run", "--demo", "--json"], { TTAPI_LOCK_WAIT: "0" });
  const [out1, err1, code1] = await Promise.all([
    collect(impatient.stdout),
    collect(impatient.stderr),
    impatient.exited,
  ]);
  expect(code1).toBe(75);
  expect(err1).toContain("ttapi: error E_TIMEOUT: another ttapi run, ttapi run (pid ");
  expect(err1).toContain("nothing was changed");
  expect(out1).toBe("");
  expect(existsSync(join(data, "demo"))).toBe(false); // it touched nothing

  const patient = ttapi(["run", "--demo", "--json"], { TTAPI_LOCK_WAIT: "5m" });
  const done = Promise.all([collect(patient.stdout), collect(patient.stderr), patient.exited]);
  // Its terminal output reaches a pipe only at exit; the trace log shows when it starts waiting.
  const log = join(data, "logs", "ttapi.log");
  const waiting = () => existsSync(log) && readFileSync(log, "utf8").includes("waiting up to 5m 00s");
  for (let i = 0; i < 1200 && !waiting(); i++) await Bun.sleep(50);
  const released = waiting();
  writeFileSync(join(data, "release"), "");
  const [out2, err2, code2] = await done;
  expect(released).toBe(true);
  expect(err2).toContain(`is using ${data}`);
  expect(code2).toBe(0);
  expect(JSON.parse(out2).status).toBe("complete");
  expect(await holder.exited).toBe(0);
  expect(existsSync(join(data, "artifacts", ".run.lock"))).toBe(false);
});
