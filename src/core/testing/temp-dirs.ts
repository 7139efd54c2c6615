/**
 * Temp folders for tests: `make` creates `<tmpdir>/<prefix>XXXXXX` and remembers it, `removeAll`
 * deletes every one made so far. A test file calls `removeAll` from its afterAll — after anything
 * that may still write into them (a log file, a server) is closed — so no `ttapi-*` folder outlives
 * the run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDirs {
  make(prefix: string): string;
  removeAll(): void;
}

export function tempDirs(): TempDirs {
  const made: string[] = [];
  return {
    make(prefix) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
