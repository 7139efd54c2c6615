/**
 * Parquet encoding of the recorder's rolls on a worker thread: the column buffers are transferred
 * (zero-copy), so the receiving thread only parses and appends. At most `maxInFlight` rolls are in
 * the worker at once; `write` waits for room (back-pressure bounds memory).
 */
import type { Compression } from "../../core/compression.ts";
import { ioError } from "../../core/errors.ts";
import { workerPath } from "../../core/workers.ts";
import type { TakenColumns } from "./parquet.ts";
import { type StreamWriteReply, transferablesOf } from "./write-job.ts";

export class StreamWorkerWriter {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: () => void; reject: (e: unknown) => void; target: string }
  >();
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly maxInFlight = 2) {
    this.worker = new Worker(workerPath("stream-writer"));
    this.worker.onmessage = (ev: MessageEvent<StreamWriteReply>) => {
      const r = ev.data;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve();
      else
        p.reject(
          ioError(`could not write ${p.target}: ${r.message}`, {
            hint: "check free disk space and permissions",
          }),
        );
      this.waiters.shift()?.();
    };
    this.worker.onerror = (ev) => {
      const err = ioError(`stream writer worker failed: ${ev.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const w of this.waiters.splice(0)) w();
    };
  }

  /** Resolves when the file is durable (fsynced and renamed into place). */
  async write(target: string, taken: TakenColumns, compression: Compression): Promise<void> {
    while (this.pending.size >= this.maxInFlight) await new Promise<void>((r) => this.waiters.push(r));
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject, target }));
    this.worker.postMessage({ id, target, compression, taken }, transferablesOf(taken));
    return done;
  }

  async close(): Promise<void> {
    while (this.pending.size > 0) await new Promise<void>((r) => this.waiters.push(r));
    this.worker.terminate();
  }
}
