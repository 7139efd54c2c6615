/**
 * A small pool of import workers. Each worker gets up to `depth` tasks in flight (default 2): the
 * next task already waits in its inbox while it works on the current one, so a worker never
 * idles waiting for the main thread to notice a reply (the main thread may be busy in GC or
 * receiving columns). A worker answers its tasks in order, so replies are matched FIFO.
 * Workers are reused across tasks; a crashed worker is replaced; `close()` terminates them all.
 */

import type { BarColumns } from "../../core/bars.ts";
import { cancelledError, internalError } from "../../core/errors.ts";
import { workerPath } from "../../core/workers.ts";
import { columnBuffers } from "../../metastock/index.ts";
import type { MergeResponse, WorkerRequest, WorkerResponse } from "./types.ts";

type Reply = WorkerResponse | MergeResponse;

interface Pending {
  req: WorkerRequest;
  resolve: (r: Reply) => void;
  reject: (e: unknown) => void;
}

export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly inFlight = new Map<Worker, Pending[]>();
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(
    size: number,
    private readonly depth = 2,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  private spawn(): Worker {
    const w = new Worker(workerPath("import-parse"));
    w.onmessage = (ev: MessageEvent<Reply>) => this.settle(w, ev.data);
    w.onerror = (ev: ErrorEvent) =>
      this.fail(w, ev.error ?? internalError(`import worker crashed: ${ev.message}`));
    this.inFlight.set(w, []);
    return w;
  }

  get size(): number {
    return this.workers.length;
  }

  run(req: WorkerRequest): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(cancelledError("import worker pool closed"));
      this.queue.push({ req, resolve, reject });
      this.pump();
    });
  }

  /** Give used column buffers back to a worker to parse into again (fire and forget). */
  recycle(columns: BarColumns): void {
    if (this.closed || this.workers.length === 0) return;
    const w = this.workers[this.recycled++ % this.workers.length]!;
    w.postMessage({ type: "recycle", columns } satisfies WorkerRequest, columnBuffers(columns));
  }
  private recycled = 0;

  /** Hand queued tasks to the least-loaded workers, up to `depth` each. */
  private pump(): void {
    while (this.queue.length > 0) {
      let best: Worker | undefined;
      let load = this.depth;
      for (const w of this.workers) {
        const n = this.inFlight.get(w)!.length;
        if (n < load) {
          best = w;
          load = n;
        }
      }
      if (!best) return;
      const p = this.queue.shift()!;
      this.inFlight.get(best)!.push(p);
      best.postMessage(p.req);
    }
  }

  private settle(w: Worker, res: Reply): void {
    const p = this.inFlight.get(w)?.shift();
    p?.resolve(res);
    this.pump();
  }

  private fail(w: Worker, e: unknown): void {
    const pending = this.inFlight.get(w) ?? [];
    this.inFlight.delete(w);
    for (const p of pending) p.reject(e);
    w.terminate();
    if (this.closed) return;
    // Replace the crashed worker so the rest of the import goes on.
    const i = this.workers.indexOf(w);
    const nw = this.spawn();
    if (i >= 0) this.workers[i] = nw;
    else this.workers.push(nw);
    this.pump();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) w.terminate();
    const err = cancelledError("import worker pool closed");
    for (const p of this.queue) p.reject(err);
    for (const list of this.inFlight.values()) for (const p of list) p.reject(err);
    this.queue.length = 0;
    this.inFlight.clear();
  }
}
