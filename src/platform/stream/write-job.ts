/**
 * One roll of the recorder as a job for the stream-writer worker: the column buffers (transferred,
 * not copied) and where to write them. Runs inside `workers/stream-writer.ts`; holds no state.
 */
import type { Compression } from "../../core/compression.ts";
import type { TakenColumns } from "./parquet.ts";
import { writeEventsParquet } from "./parquet.ts";

export interface StreamWriteJob {
  id: number;
  target: string;
  compression: Compression;
  taken: TakenColumns;
}

export type StreamWriteReply = { id: number; ok: true } | { id: number; ok: false; message: string };

export async function runStreamWriteJob(job: StreamWriteJob): Promise<StreamWriteReply> {
  try {
    await writeEventsParquet(job.target, job.taken, job.compression);
    return { id: job.id, ok: true };
  } catch (e) {
    return { id: job.id, ok: false, message: (e as Error)?.message ?? String(e) };
  }
}

/** The ArrayBuffers of a job, for the postMessage transfer list. */
export function transferablesOf(t: TakenColumns): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>([t.receivedAt.buffer as ArrayBuffer]);
  for (const c of t.columns) {
    if (c.numbers) out.add(c.numbers.buffer as ArrayBuffer);
    if (c.codes) out.add(c.codes.buffer as ArrayBuffer);
  }
  return [...out];
}
