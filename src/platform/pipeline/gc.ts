/**
 * A full GC from a fresh macrotask: the collector scans the stack conservatively, so collecting
 * from deep inside the call chain that just used a large object (the in-process sim) could keep
 * it alive. Called between the network stages and the memory-heavy statistics.
 */
export async function collectFromCleanStack(): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
  Bun.gc(true);
}
