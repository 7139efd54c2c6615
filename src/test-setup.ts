/** Preloaded by `bun test` (bunfig.toml): suite-wide defaults. */
import { setDefaultTimeout } from "bun:test";

// Fault-profile runs against the sim and the kill -9 tests take seconds on a loaded 2-core box;
// a hang still fails, just not at bun's 5 s default.
setDefaultTimeout(60_000);
