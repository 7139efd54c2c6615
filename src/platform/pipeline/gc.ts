/**
 * A full GC from a fresh macrotask: the collector scans the stack conservatively, so collecting
 * from deep inside the call chain that just used a large object (the in-process sim) could keep
 * it alive. Called between the network stages and the memory-heavy statistics.
 *
 * A full collection costs 50–250 ms even on a small heap, and can free at most the heap's size:
 * below SMALL_HEAP it cannot matter to the peak (a small run, each day of a `--days` replay), so
 * it is skipped there. A small demo's heap swings between 40 and 150 MB from day to day of a
 * replay (garbage of the previous days not collected yet), so 128 MB still collected on some days
 * — ~0.3 s each; the full-scale sim this is for holds ≥ 340 MB, well above 256 MB.
 */
const SMALL_HEAP = 256 * 1024 * 1024;

export async function collectFromCleanStack(): Promise<void> {
  if (process.memoryUsage().heapUsed < SMALL_HEAP) return;
  await new Promise((r) => setTimeout(r, 0));
  Bun.gc(true);
}
