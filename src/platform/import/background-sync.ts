/**
 * The import's durability flush, overlapped with the writing: while the workers write parts, a
 * small worker thread runs syncfs (core/sync-fs.ts) on the staging tree's filesystem again and
 * again (one at a time, a new one whenever parts were written since the last began), so the disk
 * writes back during the parse instead of all at the end. `finish()` runs the last one, after
 * every part was written: it covers all of them, and its result alone decides (false: syncfs not
 * done, the caller fsyncs file by file). The earlier ones only shorten it: with a single syncfs
 * at the end, 3,000 files × 1,000 rows took 9.9–11.0 s (the final flush alone ~2 s on a busy
 * disk), with this 6.8–10.2 s, with an fsync per part on the I/O threads 6.3–8.7 s but ~0.4 CPU-s
 * more (same session, load 9–13, interleaved runs).
 */
import { workerPath } from "../../core/workers.ts";

export class BackgroundSync {
  private readonly worker = new Worker(workerPath("sync-fs"));
  private running: Promise<boolean> | null = null;
  private dirty = false;
  private closed = false;

  constructor(private readonly path: string) {}

  /** Parts were written: flush now, or once more after the flush in progress. */
  written(): void {
    if (this.closed) return;
    this.dirty = true;
    if (!this.running) this.start();
  }

  private start(): void {
    this.dirty = false;
    this.running = this.flush().then((ok) => {
      this.running = null;
      if (this.dirty && !this.closed) this.start();
      return ok;
    });
  }

  private flush(): Promise<boolean> {
    return new Promise((resolve) => {
      this.worker.onmessage = (ev: MessageEvent<boolean>) => resolve(ev.data === true);
      this.worker.onerror = () => resolve(false);
      this.worker.postMessage(this.path);
    });
  }

  /** After the last write: true when everything written is on disk. */
  async finish(): Promise<boolean> {
    this.closed = true;
    while (this.running) await this.running;
    try {
      return await this.flush();
    } finally {
      this.close();
    }
  }

  close(): void {
    this.closed = true;
    this.worker.terminate();
  }
}
