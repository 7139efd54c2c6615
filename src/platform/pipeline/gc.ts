/**
 * A full GC from a fresh macrotask: the collector scans the stack conservatively, so collecting
 * from deep inside the call chain that just used a large object (the in-process sim) could keep
 * it alive. Called between the network stages and the memory-heavy statistics.
 *
 * A full collection costs 50–250 ms even on a small heap, and can free at most the heap's size:
 * below SMALL_HEAP it cannot matter to the peak (a small run), so it is skipped there. A small
 * demo on its own fixtures (no `run.sources`) is skipped whatever its heap says
 * (`withoutForcedCollection`): between the natural
 * collections its garbage reaches 150–300 MB on some days of a `--days` replay (17 MB live), and
 * each forced collection cost ~0.15 s of a ~1 s day while its peak stays far below the budget.
 * A full-scale run's heap is 200–300 MB at the points this is called.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const SMALL_HEAP = 256 * 1024 * 1024;
const policy = new AsyncLocalStorage<{ skip: boolean }>();

/** Run `f` (a run's task graph) with the forced collections off (`skip`) or as usual. */
export function withoutForcedCollection<T>(skip: boolean, f: () => Promise<T>): Promise<T> {
  return policy.run({ skip }, f);
}

export async function collectFromCleanStack(): Promise<void> {
  if (policy.getStore()?.skip) return;
  if (process.memoryUsage().heapUsed < SMALL_HEAP) return;
  await new Promise((r) => setTimeout(r, 0));
  Bun.gc(true);
}

/** Garbage a streaming pass may pile up before it collects (see `heapGrowthGuard`). */
const GROWTH_LIMIT = 128 * 1024 * 1024;

/**
 * For a long streaming pass that makes garbage fast (the option pass: ~700k decoded events of the
 * full universe): call the returned function as events arrive; when the heap has grown by more
 * than GROWTH_LIMIT since the last look, it collects. The collector's own pacing let ~400 MB of
 * decoded batches pile up, the peak of a full demo run. At 256 MB the binary's peak was 1.48–1.55
 * GB, at 128 MB 1.32–1.36 GB, with the pass as fast (20.7 s either way: the live heap is ~250 MB,
 * so a collection is short). Checked every `every` events (reading the heap size is cheap, not
 * free); off where forced collections are off (a small demo).
 */
export function heapGrowthGuard(every = 20_000): (events: number) => void {
  if (policy.getStore()?.skip) return () => {};
  let since = 0;
  let base = process.memoryUsage().heapUsed;
  return (events) => {
    since += events;
    if (since < every) return;
    since = 0;
    const used = process.memoryUsage().heapUsed;
    if (used - base < GROWTH_LIMIT) return;
    Bun.gc(true);
    base = process.memoryUsage().heapUsed;
  };
}
