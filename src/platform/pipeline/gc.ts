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

/** Memory a streaming pass may pile up before it collects (see `memoryGrowthGuard`). */
const GROWTH_LIMIT = 128 * 1024 * 1024;

/**
 * For a long streaming pass that makes garbage fast (the option pass: ~700k events of the full
 * universe, encoded by the in-process sim and decoded by the client): call the returned function
 * as events arrive; when the process has grown by GROWTH_LIMIT since the last look, it collects.
 * The collector's own pacing let ~400 MB of it pile up, the peak of a full demo run.
 *
 * It watches RSS, not the JS heap: the frames' text lives outside the heap's cells, and a guard on
 * `heapUsed` (every 20,000 events) let RSS climb ~350 MB within one second and peak at 1.5–1.7 GB
 * in two of seven full runs; on RSS, every 5,000 events, seven runs peaked at 1.12–1.40 GB with the
 * pass as fast (~18–20 s: the live heap is ~250 MB, so a collection is short). Reading RSS is cheap,
 * not free. Off where forced collections are off (a small demo).
 */
export function memoryGrowthGuard(every = 5_000): (events: number) => void {
  if (policy.getStore()?.skip) return () => {};
  let since = 0;
  let base = process.memoryUsage.rss();
  return (events) => {
    since += events;
    if (since < every) return;
    since = 0;
    const rss = process.memoryUsage.rss();
    if (rss - base < GROWTH_LIMIT) return;
    Bun.gc(true);
    base = process.memoryUsage.rss();
  };
}
