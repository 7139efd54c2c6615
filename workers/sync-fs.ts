/** Filesystem flush worker: one syncfs per request, off the import's main thread (see src/platform/import/background-sync.ts). */
import { syncFilesystem } from "../src/core/sync-fs.ts";

declare const self: Worker;

self.onmessage = (ev: MessageEvent<string>) => {
  self.postMessage(syncFilesystem(ev.data));
};
