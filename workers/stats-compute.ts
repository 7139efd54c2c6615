/** Statistics worker: thin entrypoint, the work is in src/platform/stats/task.ts. */
import { runStatsTask, type StatsTaskRequest } from "../src/platform/stats/task.ts";

declare const self: Worker;

self.onmessage = async (ev: MessageEvent<StatsTaskRequest>) => {
  try {
    self.postMessage({ ok: true, res: await runStatsTask(ev.data) });
  } catch (e) {
    const err = e as { code?: string; message?: string; hint?: string };
    self.postMessage({
      ok: false,
      id: ev.data.id,
      error: { code: err.code, message: err.message ?? String(e), hint: err.hint },
    });
  }
};
