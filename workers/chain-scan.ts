/** Chain-scan worker entrypoint: nested option-chain bodies → strike columns (see src/client/chain-worker.ts). */
import { type ChainScanRequest, scanForReply } from "../src/client/chain-worker.ts";

declare const self: Worker;

self.onmessage = (ev: MessageEvent<ChainScanRequest>) => {
  const { reply, transfer } = scanForReply(ev.data);
  self.postMessage(reply, transfer);
};
