/**
 * Child process for the run-lock race test (run-lock.test.ts): waits until a shared start time so
 * that every racer calls `acquireRunLock` at the same moment, then, if it got the lock, proves it is
 * alone inside: it creates `<marker>` exclusively (EEXIST means another process holds the lock at
 * the same time: a violation), holds it for a while, removes it and releases the lock.
 *
 *   bun run-lock.fixture.ts <dataDir> <marker> <startAtEpochMs> <holdMs>
 *
 * Prints one word on stdout: `acquired`, `violation` or `busy`.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { acquireRunLock } from "./run-lock.ts";

const [dataDir, marker, startAt, holdMs] = process.argv.slice(2);
const at = Number(startAt);
while (Date.now() < at - 20) await Bun.sleep(5);
while (Date.now() < at) {
  // spin the last milliseconds: the racers start within a millisecond of each other
}
let release: (() => void) | null = null;
try {
  release = await acquireRunLock(dataDir!, { waitSeconds: 0 });
} catch {
  writeSync(1, "busy\n");
  process.exit(0);
}
let word = "acquired";
try {
  closeSync(openSync(marker!, "wx"));
} catch {
  word = "violation";
}
await Bun.sleep(Number(holdMs));
if (word === "acquired") rmSync(marker!, { force: true });
release();
writeSync(1, `${word}\n`);
