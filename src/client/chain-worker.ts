/**
 * The chain-scan worker's job (workers/chain-scan.ts is only its entrypoint): scan one nested
 * chain body and hand back the strike columns as transferable buffers plus the small per-chain
 * metadata, never per-strike objects. String cells are offsets into the body, which the main
 * thread still holds, so no symbol text crosses the thread boundary.
 */
import { type ScannedChain, scanNestedChains } from "./chain-scan.ts";

export interface ChainScanRequest {
  id: number;
  text: string;
}

export interface ChainScanReply {
  id: number;
  /** null: the body needs the generic path (see scanNestedChains). */
  chains: ScannedChain[] | null;
  length: number;
  price: ArrayBuffer | null;
  symbols: ArrayBuffer | null;
  /** An unexpected exception in the scanner (the main thread then scans inline). */
  error?: string;
}

export function scanForReply(req: ChainScanRequest): { reply: ChainScanReply; transfer: ArrayBuffer[] } {
  try {
    const s = scanNestedChains(req.text);
    if (!s)
      return { reply: { id: req.id, chains: null, length: 0, price: null, symbols: null }, transfer: [] };
    // Exact-size copies: the scanner's columns are views into shared slabs, which must stay here.
    const price = s.strikes.strikePrice.slice().buffer;
    const symbols = s.strikes.symbols.slice().buffer;
    return {
      reply: { id: req.id, chains: s.chains, length: s.strikes.length, price, symbols },
      transfer: [price, symbols],
    };
  } catch (e) {
    return {
      reply: { id: req.id, chains: null, length: 0, price: null, symbols: null, error: String(e) },
      transfer: [],
    };
  }
}
