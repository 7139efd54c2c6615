/**
 * Where worker entrypoints live. In a compiled binary a worker created from a URL object built
 * on `import.meta.url` hangs; `new Worker("./workers/x.ts")` works because build.ts passes every `workers/*.ts` as an
 * extra entrypoint (they are embedded as `/$bunfs/root/workers/x.js`). From source we use the
 * absolute path of the file in the repository.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";

export const IS_COMPILED = import.meta.path.startsWith("/$bunfs") || import.meta.path.startsWith("B:\\~BUN");

export function workerPath(name: string): string {
  return IS_COMPILED ? `./workers/${name}.ts` : join(import.meta.dir, "..", "..", "workers", `${name}.ts`);
}

/** Default worker count: one per core (config `import.workers` = 0 means this). */
export function defaultWorkerCount(configured = 0): number {
  return configured > 0 ? configured : Math.max(1, availableParallelism());
}
