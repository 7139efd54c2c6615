/** Persist worker entrypoint: writes Parquet/CSV files off the compute thread (see src/platform/persist). */
import { type PersistJob, type PersistReply, runPersistJob } from "../src/platform/persist/job.ts";

declare const self: Worker;

self.onmessage = async (ev: MessageEvent<PersistJob>) => {
  const job = ev.data;
  let reply: PersistReply;
  try {
    reply = { id: job.id, ok: true, files: await runPersistJob(job) };
  } catch (e) {
    reply = { id: job.id, ok: false, message: (e as Error)?.message ?? String(e) };
  }
  self.postMessage(reply);
};
