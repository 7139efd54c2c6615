/** Import worker entrypoint: parse tasks and per-symbol merges (see src/platform/import/worker-task.ts). */
import type { MergeResponse, WorkerRequest, WorkerResponse } from "../src/platform/import/types.ts";
import { recycleColumns, runMerge, runTask } from "../src/platform/import/worker-task.ts";

declare const self: Worker;

// Tasks run strictly one after another (they share the worker's read buffer and column builder,
// and runTask yields to the event loop between writes).
let chain: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  chain = chain.then(() => handle(ev.data));
};

async function handle(req: WorkerRequest): Promise<void> {
  if (req.type === "recycle") {
    recycleColumns(req.columns);
    return;
  }
  if (req.type === "merge") {
    let res: MergeResponse;
    try {
      res = await runMerge(req);
    } catch (e) {
      res = {
        type: "merged",
        id: req.id,
        files: 0,
        appended: false,
        rows: 0,
        newRows: 0,
        duplicates: 0,
        replaced: 0,
        failure: (e as Error)?.message ?? String(e),
      };
    }
    self.postMessage(res);
    return;
  }
  try {
    const { response, transfer } = await runTask(req);
    self.postMessage(response, transfer);
  } catch (e) {
    const failure: WorkerResponse = {
      type: "done",
      taskId: req.task.id,
      pieces: [],
      parts: [],
      stopped: true,
      failure: (e as Error)?.message ?? String(e),
    };
    self.postMessage(failure);
  }
}
