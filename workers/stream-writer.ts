/** Stream-writer worker entrypoint: encodes the recorder's rolls to Parquet off the receiving thread (see src/platform/stream). */
import { runStreamWriteJob, type StreamWriteJob } from "../src/platform/stream/write-job.ts";

declare const self: Worker;

self.onmessage = async (ev: MessageEvent<StreamWriteJob>) => {
  self.postMessage(await runStreamWriteJob(ev.data));
};
