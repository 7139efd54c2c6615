/**
 * Scans large nested-chain bodies on worker threads so the main thread keeps doing networking
 * (fetch, TLS, the resilience stack) while another core decodes. The body text is posted to a
 * worker (one memcpy), the worker returns the strike columns as transferred ArrayBuffers with
 * offsets into that same text, which the main thread still holds: no records, no symbol strings
 * cross threads.
 *
 * Small bodies are scanned inline (a round trip costs more than scanning them). If a worker
 * fails to start or dies, its pending bodies and all later ones are scanned inline: the pool
 * only ever makes decoding faster, never less reliable.
 */
import { getLogger } from "../core/log.ts";
import { workerPath } from "../core/workers.ts";
import { type ScannedChains, scanNestedChains } from "./chain-scan.ts";
import type { ChainScanReply, ChainScanRequest } from "./chain-worker.ts";

/** Bodies below this many characters are scanned on the calling thread. */
export const INLINE_SCAN_MAX = 24_000;

interface Pending {
  text: string;
  resolve: (s: ScannedChains | null) => void;
}

export class ChainScanPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly owner = new Map<number, Worker>();
  private nextId = 1;
  private rr = 0;
  private broken = false;
  private readonly log = getLogger("client.scan");

  constructor(readonly size: number) {}

  /** Scan `text` (on a worker when it is large enough); null: the body needs the generic path. */
  scan(text: string): Promise<ScannedChains | null> {
    if (this.size <= 0 || this.broken || text.length < INLINE_SCAN_MAX)
      return Promise.resolve(scanNestedChains(text));
    const w = this.pick();
    if (!w) return Promise.resolve(scanNestedChains(text));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { text, resolve });
      this.owner.set(id, w);
      w.postMessage({ id, text } satisfies ChainScanRequest);
    });
  }

  private pick(): Worker | null {
    if (this.workers.length < this.size) {
      try {
        const w = new Worker(workerPath("chain-scan"));
        w.onmessage = (ev: MessageEvent<ChainScanReply>) => this.onReply(ev.data);
        w.onerror = (ev) => this.onFailure(w, ev.message);
        // Never keep a finished CLI run alive for an idle scanner.
        w.unref();
        this.workers.push(w);
        return w;
      } catch (e) {
        this.onFailure(null, String(e));
        return null;
      }
    }
    const w = this.workers[this.rr++ % this.workers.length];
    return w ?? null;
  }

  private onReply(r: ChainScanReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    this.owner.delete(r.id);
    if (r.error !== undefined) {
      p.resolve(scanNestedChains(p.text)); // same kernel inline: reproduces (and surfaces) the problem here
      return;
    }
    if (r.chains === null || r.price === null || r.symbols === null) {
      p.resolve(null);
      return;
    }
    p.resolve({
      chains: r.chains,
      strikes: {
        text: p.text,
        length: r.length,
        strikePrice: new Float64Array(r.price),
        symbols: new Int32Array(r.symbols),
      },
    });
  }

  /** A worker died or could not start: finish its bodies inline and stop using workers. */
  private onFailure(w: Worker | null, reason: string): void {
    if (!this.broken) this.log.warn("chain-scan worker failed; scanning on the main thread", { reason });
    this.broken = true;
    for (const [id, p] of this.pending) {
      if (w !== null && this.owner.get(id) !== w) continue;
      this.pending.delete(id);
      this.owner.delete(id);
      p.resolve(scanNestedChains(p.text));
    }
    if (w) w.terminate();
  }

  /** Stop the workers (pending scans finish inline). */
  close(): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      this.owner.delete(id);
      p.resolve(scanNestedChains(p.text));
    }
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

const shared = new Map<number, ChainScanPool>();

/** One pool per size per process, shared by every client (workers are started on first use). */
export function sharedChainScanPool(size: number): ChainScanPool {
  let p = shared.get(size);
  if (!p) {
    p = new ChainScanPool(size);
    shared.set(size, p);
  }
  return p;
}
