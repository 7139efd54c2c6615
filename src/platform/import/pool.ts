/**
 * A small pool of import parse workers: one task in flight per worker, the next queued task is
 * dispatched as soon as a worker answers, so a slow file never idles the other cores. Workers are
 * reused across tasks and terminated on `close()` or abort.
 */
import { cancelledError, internalError } from "../../core/errors.ts";
import { workerPath } from "../../core/workers.ts";
import type { MergeResponse, WorkerRequest, WorkerResponse } from "./types.ts";

type Reply = WorkerResponse | MergeResponse;

interface Pending {
  req: WorkerRequest;
  resolve: (r: Reply) => void;
  reject: (e: unknown) => void;
}

export class ParsePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private closed = false;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(workerPath("import-parse"));
      w.onmessage = (ev: MessageEvent<Reply>) => this.settle(w, ev.data);
      w.onerror = (ev: ErrorEvent) =>
        this.fail(w, ev.error ?? internalError(`import worker crashed: ${ev.message}`));
      this.all.push(w);
      this.idle.push(w);
    }
  }

  get size(): number {
    return this.all.length;
  }

  run(req: WorkerRequest): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(cancelledError("import worker pool closed"));
      this.queue.push({ req, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const p = this.queue.shift()!;
      this.busy.set(w, p);
      w.postMessage(p.req);
    }
  }

  private settle(w: Worker, res: Reply): void {
    const p = this.busy.get(w);
    this.busy.delete(w);
    this.idle.push(w);
    p?.resolve(res);
    this.pump();
  }

  private fail(w: Worker, e: unknown): void {
    const p = this.busy.get(w);
    this.busy.delete(w);
    p?.reject(e);
    // A crashed worker is replaced so the rest of the import can go on.
    if (!this.closed) {
      const i = this.all.indexOf(w);
      w.terminate();
      const nw = new Worker(workerPath("import-parse"));
      nw.onmessage = (ev: MessageEvent<Reply>) => this.settle(nw, ev.data);
      nw.onerror = (ev: ErrorEvent) =>
        this.fail(nw, ev.error ?? internalError(`import worker crashed: ${ev.message}`));
      if (i >= 0) this.all[i] = nw;
      this.idle.push(nw);
      this.pump();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.all) w.terminate();
    for (const p of this.queue) p.reject(cancelledError("import worker pool closed"));
    for (const p of this.busy.values()) p.reject(cancelledError("import worker pool closed"));
    this.queue.length = 0;
    this.busy.clear();
  }
}
