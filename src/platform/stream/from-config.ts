/**
 * `ttapi stream` as a library call: REST client from the config (env, URL, credentials), quote tokens
 * from `/api-quote-tokens` (a fresh one on every reconnect), option symbols of `chains` from
 * `/option-chains/{sym}/nested`, then `recordStream`.
 */

import {
  clientOptionsFromConfig,
  createClient,
  type DxlinkClientOptions,
  type EventType,
  quoteTokenExpiry,
  type TastyClient,
} from "../../client/index.ts";
import { type Compression, isCompression } from "../../core/compression.ts";
import type { Config } from "../../core/config.ts";
import { EVENT_TYPES } from "../../core/dxlink-events.ts";
import { usageError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import {
  type RecorderStatus,
  type RecorderSummary,
  recordStream,
  type StreamSubscription,
} from "./recorder.ts";

export interface StreamFromConfigOptions {
  config: Config;
  dataDir: string;
  symbols: readonly string[];
  /** Underlyings whose whole option chain is added (option event types only). */
  chains?: readonly string[];
  types: readonly EventType[];
  outDir: string;
  durationMs?: number;
  rollSeconds?: number;
  rollEvents?: number;
  /** Candle history start for Candle subscriptions (default: `run.candle-days` ago). */
  candleFromTime?: number;
  signal?: AbortSignal;
  onStatus?: (s: RecorderStatus) => void;
  /** Injected REST client (tests); default: built from the config. */
  rest?: TastyClient;
}

/** Event types that exist for options: all of dxLink's but the underlying-level Underlying and Candle. */
const OPTION_TYPES: ReadonlySet<EventType> = new Set(
  EVENT_TYPES.filter((t) => t !== "Underlying" && t !== "Candle"),
);

export async function resolveChainSymbols(
  rest: TastyClient,
  underlyings: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  const out: string[] = [];
  for (const u of underlyings) {
    const chains = await rest.nestedChain(u, { signal });
    for (const c of chains) {
      for (const e of c.expirations) {
        for (const k of e.strikes) {
          if (k.callStreamerSymbol) out.push(k.callStreamerSymbol);
          if (k.putStreamerSymbol) out.push(k.putStreamerSymbol);
        }
      }
    }
  }
  return [...new Set(out)];
}

export async function streamFromConfig(
  o: StreamFromConfigOptions,
): Promise<RecorderSummary & { optionSymbols: number }> {
  if (o.types.length === 0)
    throw usageError("no event types to stream", { hint: "pass --types Quote,Trade,…" });
  if (o.symbols.length === 0 && (o.chains?.length ?? 0) === 0) {
    throw usageError("no symbols to stream", {
      hint: "pass --symbols A,B, --symbols-file FILE or --chains SYM",
    });
  }
  const rest = o.rest ?? createClient(clientOptionsFromConfig(o.config, o.dataDir));
  const options = o.chains?.length ? await resolveChainSymbols(rest, o.chains, o.signal) : [];
  const candleFrom = o.candleFromTime ?? Date.now() - o.config["run.candle-days"] * 86_400_000;
  const subscriptions: StreamSubscription[] = [];
  for (const type of o.types) {
    if (type === "Candle") {
      const syms = o.symbols.map((s) => (s.includes("{") ? s : `${s}{=1d}`));
      if (syms.length > 0) subscriptions.push({ type, symbols: syms, fromTime: candleFrom });
      continue;
    }
    const syms = OPTION_TYPES.has(type) ? [...o.symbols, ...options] : [...o.symbols];
    if (syms.length > 0) subscriptions.push({ type, symbols: syms });
  }
  const keepalive = o.config["dxlink.keepalive"];
  const clientOptions: DxlinkClientOptions = {
    signal: o.signal,
    keepaliveTimeoutSec: keepalive > 0 ? keepalive : 60,
    maxFrameBytes: o.config["dxlink.max-frame"],
    getQuoteToken: async ({ signal }) => {
      const stop = [o.signal, signal].filter((x): x is AbortSignal => x !== undefined);
      const t = await rest.quoteToken({ signal: stop.length > 0 ? AbortSignal.any(stop) : undefined });
      registerSecret(t.token);
      // The API sends no expiry; tokens live 24 h. Refresh well before.
      return { token: t.token, dxlinkUrl: t.dxlinkUrl, expiresAt: quoteTokenExpiry(t, 24 * 3600_000) };
    },
  };
  const summary = await recordStream({
    clientOptions,
    subscriptions,
    outDir: o.outDir,
    durationMs: o.durationMs,
    rollSeconds: o.rollSeconds,
    rollEvents: o.rollEvents,
    signal: o.signal,
    onStatus: o.onStatus,
    compression: compressionOf(o.config["import.compression"]),
  });
  return { ...summary, optionSymbols: options.length };
}

function compressionOf(c: string): Compression {
  return isCompression(c) ? c : "zstd";
}
