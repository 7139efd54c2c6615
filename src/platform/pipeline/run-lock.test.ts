/**
 * The data directory's run lock under real races: many processes call `acquireRunLock` at the same
 * millisecond, with and without a stale lock left by a killed run, over several trials. Whoever gets
 * the lock proves it is alone (an exclusively created marker); two holders at once is a violation.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(180_000);

const FIXTURE = join(import.meta.dir, "run-lock.fixture.ts");
const root = mkdtempSync(join(tmpdir(), "ttapi-lockrace-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A pid that certainly belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const p = Bun.spawn(["true"]);
  await p.exited;
  return p.pid;
}

async function trial(n: number, dataDir: string): Promise<Record<string, number>> {
  const marker = join(dataDir, "inside");
  const startAt = Date.now() + 2500;
  const procs = Array.from({ length: n }, () =>
    Bun.spawn([process.execPath, FIXTURE, dataDir, marker, String(startAt), "400"], {
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  const words = await Promise.all(procs.map(async (p) => (await new Response(p.stdout).text()).trim()));
  await Promise.all(procs.map((p) => p.exited));
  const count: Record<string, number> = { acquired: 0, violation: 0, busy: 0 };
  for (const w of words) count[w] = (count[w] ?? 0) + 1;
  return count;
}

const RACERS = 6;
const TRIALS = 4;

for (const stale of [false, true]) {
  test(`${RACERS} racing processes × ${TRIALS} trials ${stale ? "with" : "without"} a stale lock: never two holders`, async () => {
    const totals: Record<string, number> = { acquired: 0, violation: 0, busy: 0 };
    for (let t = 0; t < TRIALS; t++) {
      const dataDir = join(root, `${stale ? "stale" : "clean"}-${t}`);
      mkdirSync(join(dataDir, "artifacts"), { recursive: true });
      const lock = join(dataDir, "artifacts", ".run.lock");
      if (stale && t % 2 === 0) {
        // A lock file left by a killed run of an earlier version (a bare pid in `.run.lock`).
        writeFileSync(lock, String(await deadPid()));
      } else if (stale) {
        // A lock held by a run that was killed (kill -9 leaves its entry behind).
        const pid = await deadPid();
        mkdirSync(lock);
        writeFileSync(
          join(lock, `${pid}-0badc0de.held`),
          JSON.stringify({
            pid,
            start: null,
            host: hostname(),
            since: Date.now() - 60_000,
            what: "ttapi run",
          }),
        );
      }
      const c = await trial(RACERS, dataDir);
      for (const [k, v] of Object.entries(c)) totals[k] = (totals[k] ?? 0) + v;
      expect(c.acquired! + c.violation!).toBeGreaterThanOrEqual(1);
    }
    console.log(`lock race ${stale ? "with" : "without"} stale lock:`, JSON.stringify(totals));
    expect(totals.violation).toBe(0);
  });
}
