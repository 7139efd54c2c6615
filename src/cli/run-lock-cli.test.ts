/**
 * Two `ttapi run`s on one data directory, as cron and a user would start them: the second waits
 * for the first (run.lock-wait) and then runs, or — with `TTAPI_LOCK_WAIT=0` — exits 75 at once
 * with a clear message; the first run completes undisturbed either way (nothing lost).
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(240_000);

const MAIN = join(import.meta.dir, "main.ts");
const dir = mkdtempSync(join(tmpdir(), "ttapi-cli-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, "data");

function ttapi(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, MAIN, ...args, "--data-dir", data], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, XDG_CONFIG_HOME: join(dir, "cfg"), NO_COLOR: "", ...env },
  });
  const out = Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]).then(
    ([stdout, stderr, code]) => ({ stdout, stderr, code }),
  );
  return { p, out };
}

const lockHeld = () => {
  const l = join(data, "artifacts", ".run.lock");
  return existsSync(l) && readdirSync(l).some((n) => n.endsWith(".held"));
};

test("a second run waits for the first, or with run.lock-wait 0 exits 75 at once; the first completes", async () => {
  const first = ttapi(["run", "--demo", "--force", "--json"]);
  for (let i = 0; i < 600 && !lockHeld(); i++) await Bun.sleep(50);
  expect(lockHeld()).toBe(true);

  const impatient = await ttapi(["run", "--demo", "--json"], { TTAPI_LOCK_WAIT: "0" }).out;
  expect(impatient.code).toBe(75);
  expect(impatient.stderr).toContain("ttapi: error E_TIMEOUT: another ttapi run, ttapi run (pid ");
  expect(impatient.stderr).toContain("nothing was changed");
  expect(impatient.stdout).toBe("");

  const patient = ttapi(["run", "--demo", "--cached", "--json"], { TTAPI_LOCK_WAIT: "5m" });
  const a = await first.out;
  expect(a.code).toBe(0);
  expect(JSON.parse(a.stdout).status).toBe("complete");
  const b = await patient.out;
  expect(b.stderr).toContain("waiting up to 5m 00s for it to finish (run.lock-wait)");
  expect(b.code).toBe(0);
  expect(JSON.parse(b.stdout).status).toBe("complete");
  expect(existsSync(join(data, "artifacts", ".run.lock"))).toBe(false);
});
