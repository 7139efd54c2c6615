/**
 * Child process for the kill -9 test: `bun crash.fixture.ts <outDir> <input>...` runs one import
 * and prints "done" when it has committed. The test SIGKILLs it at random moments.
 */
import { importBars } from "./import.ts";

const [outDir, ...inputs] = process.argv.slice(2);
await importBars({ inputs, outDir: outDir!, workers: 2 });
process.stdout.write("done\n");
