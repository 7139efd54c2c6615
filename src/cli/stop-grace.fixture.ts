/**
 * Child for stop-grace.test.ts: installs ttapi's signal handling, then waits on something that
 * ignores the cancellation signal (a timer that never ends), as a library call might.
 */
import { processSignal } from "./context.ts";

processSignal();
setInterval(() => {}, 1000);
process.stdout.write("ready\n");
