/**
 * Child for run-lock-cli.test.ts: holds a data directory's run lock (as a running `ttapi run`
 * does) until `<dataDir>/release` appears, so the test controls exactly when it is let go.
 *
 *   bun run-lock-holder.fixture.ts <dataDir>      prints "held" once it has the lock
 */
import { existsSync, writeSync } from "node:fs";
import { join } from "node:path";
import { acquireRunLock } from "../platform/index.ts";

const dataDir = process.argv[2]!;
const release = await acquireRunLock(dataDir);
writeSync(1, "held\n");
while (!existsSync(join(dataDir, "release"))) await Bun.sleep(50);
release();
