/**
 * The background writer: a bounded queue of persist jobs executed in a worker thread, so Parquet
 * encoding, compression and fsync never block the pipeline's computation. The queue is bounded in
 * jobs and bytes; producers wait for capacity (back-pressure) instead of piling frames up in memory.
 * Each `write()` resolves only once its files are durable (fsynced and renamed into place) — the
 * artifact store commits a manifest only after that.
 */
import { ioError } from "../../core/errors.ts";
import { getLogger } from "../../core/log.ts";
import { workerPath } from "../../core/workers.ts";
import { type PersistJob, type PersistReply, runPersistJob, type WrittenFile } from "./job.ts";

export type { WrittenFile } from "./job.ts";

export interface PersistWriterOptions {
  /** "worker" (default) writes in a worker thread; "inline" on this thread (asynchronously queued). */
  mode?: "worker" | "inline";
  maxQueuedJobs?: number;
  maxQueuedBytes?: number;
}

interface Pending {
  bytes: number;
  resolve: (files: WrittenFile[]) => void;
  reject: (e: unknown) => void;
  target: string;
}

const log = getLogger("persist");

export class PersistWriter {
  private readonly mode: "worker" | "inline";
  private readonly maxJobs: number;
  private readonly maxBytes: number;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private queuedBytes = 0;
  private waiters: (() => void)[] = [];
  private inlineChain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Totals for the run summary. */
  readonly stats = { jobs: 0, bytesIn: 0, bytesWritten: 0, files: 0, failures: 0 };

  constructor(opts: PersistWriterOptions = {}) {
    this.mode = opts.mode ?? "worker";
    this.maxJobs = Math.max(1, opts.maxQueuedJobs ?? 8);
    this.maxBytes = Math.max(1, opts.maxQueuedBytes ?? 512 * 1024 * 1024);
  }

  get queued(): number {
    return this.pending.size;
  }

  private hasCapacity(): boolean {
    return this.pending.size < this.maxJobs && (this.queuedBytes < this.maxBytes || this.pending.size === 0);
  }

  /** Resolves when the queue has room for another job (call before serializing a big frame). */
  async capacity(): Promise<void> {
    while (!this.hasCapacity()) await new Promise<void>((r) => this.waiters.push(r));
  }

  private release(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    this.queuedBytes -= p.bytes;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
    return p;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(workerPath("persist-writer"));
    w.onmessage = (ev: MessageEvent<PersistReply>) => this.settle(ev.data);
    w.onerror = (ev) => {
      const message = (ev as ErrorEvent).message ?? "persist worker crashed";
      log.error("persist worker error", { error: message });
      for (const id of [...this.pending.keys()]) this.settle({ id, ok: false, message });
      this.worker = null;
    };
    this.worker = w;
    return w;
  }

  private settle(reply: PersistReply): void {
    const p = this.release(reply.id);
    if (!p) return;
    if (reply.ok) {
      this.stats.files += reply.files.length;
      for (const f of reply.files) this.stats.bytesWritten += f.bytes;
      p.resolve(reply.files);
    } else {
      this.stats.failures++;
      p.reject(
        ioError(`could not persist ${p.target}: ${reply.message}`, {
          hint: "check free disk space and permissions",
        }),
      );
    }
    if (this.pending.size === 0) this.worker?.unref();
  }

  /** Queue a job; resolves with the written files once they are durable. */
  async write(job: Omit<PersistJob, "id">): Promise<WrittenFile[]> {
    if (this.closed) throw ioError("persist writer is closed", { hint: "this is a bug: write after close" });
    await this.capacity();
    const id = this.nextId++;
    const full: PersistJob = { ...job, id };
    this.stats.jobs++;
    this.stats.bytesIn += job.ipc.byteLength;
    const done = new Promise<WrittenFile[]>((resolve, reject) => {
      this.pending.set(id, { bytes: job.ipc.byteLength, resolve, reject, target: `${job.dir}/${job.name}` });
    });
    this.queuedBytes += job.ipc.byteLength;
    if (this.mode === "worker") {
      const w = this.ensureWorker();
      w.ref();
      // Transfer the bytes: no copy, and this thread drops its reference.
      const buf = full.ipc.buffer as ArrayBuffer;
      const transferable = full.ipc.byteOffset === 0 && full.ipc.byteLength === buf.byteLength;
      w.postMessage(full, transferable ? [buf] : []);
    } else {
      this.inlineChain = this.inlineChain.then(async () => {
        try {
          this.settle({ id, ok: true, files: await runPersistJob(full) });
        } catch (e) {
          this.settle({ id, ok: false, message: (e as Error).message });
        }
      });
    }
    return done;
  }

  /** Wait for every queued job (successful or not). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await new Promise<void>((r) => this.waiters.push(r));
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    this.worker?.terminate();
    this.worker = null;
  }
}
