/** Statistics worker: thin entrypoint, the work is in src/platform/stats/task.ts. */
import { runStatsTask, type StatsTaskRequest } from "../src/platform/stats/task.ts";

declare const self: Worker;

self.onmessage = async (ev: MessageEvent<StatsTaskRequest>) => {
  try {
    const res = await runStatsTask(ev.data);
    // The encoded states (tens of MB) move to the main thread instead of being copied.
    self.postMessage({ ok: true, res }, res.states ? [res.states.buffer as ArrayBuffer] : []);
  } catch (e) {
    const err = e as { code?: string; message?: string; hint?: string };
    self.postMessage({
      ok: false,
      id: ev.data.id,
      error: { code: err.code, message: err.message ?? String(e), hint: err.hint },
    });
  }
};
