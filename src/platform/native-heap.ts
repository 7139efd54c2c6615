/**
 * glibc malloc tuning for phases that churn native (polars) memory.
 *
 * nodejs-polars allocates through glibc malloc, not Bun's allocator. A Parquet-writing loop
 * frees each frame's buffers right after its file is written. With glibc's default 128 KiB top
 * pad, each free trims the arena and hands the pages back to the kernel. The next frame then
 * faults the same pages back in, zero-filled. On the 29M-row binary import bench that was ~400k
 * page faults and ~0.8 s of kernel time, about 8 % of the import's CPU.
 *
 * A 64 MiB pad keeps those pages in the arena: ~40k faults, and peak RSS barely moves (the pages
 * are reused, not added). The pad is set only while such a phase runs. Afterwards the default is
 * restored and the retained memory is trimmed, so a long-lived process (the pipeline, a library
 * user) keeps glibc's usual footprint.
 *
 * This is a no-op where it cannot apply: off Linux, on a libc other than glibc, or where bun:ffi
 * is unavailable. Nested and concurrent phases share one setting (reference-counted).
 */

const M_TOP_PAD = -2; // mallopt parameter number (malloc.h)
const DEFAULT_TOP_PAD = 128 * 1024; // glibc's DEFAULT_TOP_PAD
const PHASE_TOP_PAD = 64 * 1024 * 1024;

interface Glibc {
  mallopt(param: number, value: number): number;
  malloc_trim(pad: number | bigint): number;
}

let glibc: Glibc | null | undefined;

function loadGlibc(): Glibc | null {
  if (glibc !== undefined) return glibc;
  glibc = null;
  if (process.platform !== "linux") return glibc;
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const lib = dlopen("libc.so.6", {
      mallopt: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      malloc_trim: { args: [FFIType.u64], returns: FFIType.i32 },
    });
    glibc = lib.symbols as unknown as Glibc;
  } catch {
    glibc = null; // musl, no libc.so.6, or no FFI: keep the allocator's defaults
  }
  return glibc;
}

let holders = 0;

/**
 * Keep freed native pages in the arenas until the returned function is called. Call the
 * returned release function exactly once, in a `finally`.
 */
export function retainNativeHeap(): () => void {
  const libc = loadGlibc();
  if (!libc) return () => {};
  if (holders++ === 0) {
    libc.mallopt(M_TOP_PAD, PHASE_TOP_PAD);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) {
      libc.mallopt(M_TOP_PAD, DEFAULT_TOP_PAD);
      libc.malloc_trim(0);
    }
  };
}

/**
 * nodejs-polars objects hold native memory that is only released by finalizers, and those run
 * only after a GC *and* a turn of the event loop. A long synchronous loop over frames (an import
 * task writing a dozen symbols, a publish reading hundreds of folders) otherwise piles up every
 * frame it made while the JS heap stays too small for a collection to come by itself: collect and
 * yield now and then (an eden collection costs ~2 ms).
 */
export async function releasePolarsFrames(): Promise<void> {
  Bun.gc(false);
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
}
