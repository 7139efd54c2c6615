/**
 * The network side of a run, created only when a task actually needs it (a fully cached run never
 * starts the sim nor authenticates): the REST client, and in demo mode the in-process simulated
 * exchange it talks to. Also the DXLink daily-candle fetch used by the EOD stage.
 */

import {
  type CandleBar,
  clientOptionsFromConfig,
  createClient,
  DxlinkClient,
  fetchCandleHistory,
  type QuoteToken,
  type QuoteTokenProvider,
  quoteTokenExpiry,
  quoteTokenUsable,
  resolveCredentials,
  type TastyClient,
} from "../../client/index.ts";
import type { Config } from "../../core/config.ts";
import { authError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import { lastCompletedSession } from "../../core/time.ts";
import type { SimServer } from "../../sim/index.ts";
import { simSignIn } from "../sim-sign-in.ts";
import { DAY_MS_UTC } from "./dates.ts";

export interface DemoOptions {
  /** Seed of the simulated market (same seed ⇒ same data). */
  seed?: string | number;
  /** Fault profile for the sim, e.g. `rate-limit,errors=0.2,reset=0.05`. */
  faults?: string;
  /** small (default): a few symbols, seconds; full: 507 symbols, ~29M MetaStock rows. */
  scale?: "small" | "full";
  /**
   * The sim's market date (`YYYY-MM-DD`, default its fixed today) and the last session of its
   * price paths: `ttapi run --demo --days N` replays day after day on one history.
   */
  today?: string;
  pathEnd?: string;
  /**
   * The first day of a replay: its MetaStock fixtures end there (built and imported once), and
   * each later day's DXLink candle window reaches back to it, so the bars have no gap.
   */
  replayFrom?: string;
}

export interface ApiSession {
  client: TastyClient;
  /** The sim, in demo mode. */
  sim: SimServer | null;
  /** Last completed session (days since epoch): the candle window is counted back from it. */
  marketDay: number;
  /**
   * Last session whose daily candle is final. The sim keeps its market moving after its close
   * (so a live demo ticks), which keeps updating that day's candle: in demo mode the candles end
   * one session earlier (the MetaStock fixtures hold that day anyway).
   */
  lastFinalDay: number;
  /** DXLink client settings for this session's feed passes (defaults when absent). */
  feed?: FeedTuning;
  close(): Promise<void>;
}

/** What a session may tune of its DXLink clients (see `openSession`). */
export interface FeedTuning {
  aggregationPeriodSec?: number;
  batchDelayMs?: number;
}

/**
 * The in-process sim flushes a channel's pending snapshots every aggregation period and the client
 * coalesces subscription changes for `batchDelayMs`: against the real feed 0.1 s and 50 ms keep the
 * message count down, but the sim answers every subscription at once, so with them each feed pass
 * (candles, option quotes) only waits — up to ~150 ms a pass, twice per played day of a replay.
 * The sim honours 10 ms (its floor); the answers are the same events.
 */
const DEMO_FEED: FeedTuning = { aggregationPeriodSec: 0.01, batchDelayMs: 2 };

export async function openSession(
  config: Config,
  dataDir: string,
  demo: DemoOptions | null,
): Promise<ApiSession> {
  if (demo) {
    const { createUniverse, startSim } = await import("../../sim/index.ts");
    const universe = createUniverse({
      seed: String(demo.seed ?? "ttapi"),
      ...(demo.today ? { today: demo.today } : {}),
      ...(demo.pathEnd ? { pathEnd: demo.pathEnd } : {}),
    });
    const sim = await startSim({
      port: 0,
      seed: demo.seed ?? "ttapi",
      universe,
      ...(demo.faults ? { faults: demo.faults } : {}),
      // DXLink events describe the sim's close, like its REST snapshots (the same seed, the same
      // option quotes whatever the wall clock says). Every subscription is answered at once with
      // its current event; a run needs no live ticks after that, so they are slow.
      dxlink: { marketNow: () => universe.closeMs, eventsPerSecPerSymbol: 0.1 },
    });
    try {
      const client = createClient({
        ...simSignIn(sim),
        concurrency: config["api.concurrency"],
        timeoutMs: config["api.timeout"] * 1000,
        retries: Math.max(config["api.retries"], 8),
        missingThreshold: config["api.missing-threshold"],
        // Fault-injected demo runs back off quickly: the sim's storms are short.
        backoff: { baseMs: 5, maxMs: 250 },
      });
      return {
        client,
        sim,
        marketDay: sim.universe.todayDay,
        lastFinalDay: sim.universe.todayDay - 1,
        feed: DEMO_FEED,
        close: async () => {
          await sim.stop();
        },
      };
    } catch (e) {
      await sim.stop();
      throw e;
    }
  }
  const options = clientOptionsFromConfig(config, dataDir);
  if (!resolveCredentials(options.env ?? "production", options, options.configDir ?? null)) {
    throw authError(`no credentials for the ${options.env} environment`, {
      hint: "run `ttapi auth login`, set TT_CLIENT_SECRET and TT_REFRESH_TOKEN, or try `ttapi run --demo`",
    });
  }
  const client = createClient(options);
  return {
    client,
    sim: null,
    marketDay: lastCompletedSession(Date.now()),
    lastFinalDay: lastCompletedSession(Date.now()),
    close: async () => {},
  };
}

export interface DailyCandles {
  bars: Map<string, CandleBar[]>;
  incomplete: string[];
  /** FEED_DATA pairs that could not be decoded (no or mismatched field list). */
  dropped: number;
  /**
   * When no symbol had a bar in the window: the newest daily bar the server has at all (days since
   * epoch; null if none), to tell "the server's market date is behind" from "no data".
   */
  serverLastDay?: number | null;
}

/**
 * DXLink's token source for a run: the stored token first, unless it has expired or is about to
 * (then a fresh one at once instead of a connection the server refuses); a fresh one on every
 * reconnect (the client asks with a reason).
 */
export function quoteTokenProvider(
  session: Pick<ApiSession, "client">,
  initialToken: QuoteToken,
  signal: AbortSignal,
): QuoteTokenProvider {
  let first: QuoteToken | null = quoteTokenUsable(initialToken) ? initialToken : null;
  return async () => {
    const t = first ?? (await session.client.quoteToken({ signal }));
    first = null;
    registerSecret(t.token);
    return { token: t.token, dxlinkUrl: t.dxlinkUrl, expiresAt: quoteTokenExpiry(t) };
  };
}

/** Daily candles for `symbols` from `fromDay` (days since epoch), via DXLink with the given token. */
export async function fetchDailyCandles(
  session: ApiSession,
  initialToken: QuoteToken,
  symbols: readonly string[],
  fromDay: number,
  o: { signal: AbortSignal; timeoutMs?: number; regularHours?: boolean },
): Promise<DailyCandles> {
  const dx = new DxlinkClient({
    signal: o.signal,
    ...session.feed,
    getQuoteToken: quoteTokenProvider(session, initialToken, o.signal),
  });
  dx.start();
  try {
    const regularHours = o.regularHours ?? true;
    const h = await fetchCandleHistory(dx, symbols, {
      fromTime: fromDay * DAY_MS_UTC,
      signal: o.signal,
      timeoutMs: o.timeoutMs ?? 60_000,
      regularHours,
    });
    const out: DailyCandles = {
      bars: h.bars,
      incomplete: h.incomplete,
      dropped: dx.stats.rejectedPairs + dx.stats.pendingDropped,
    };
    const any = [...h.bars.values()].some((b) => b.length > 0);
    const probe = symbols.find((s) => !h.incomplete.includes(s));
    if (!any && probe !== undefined) {
      // Nothing in the window: look a year further back for one symbol to date the server's market.
      const back = await fetchCandleHistory(dx, [probe], {
        fromTime: (fromDay - 400) * DAY_MS_UTC,
        signal: o.signal,
        timeoutMs: 15_000,
        idleMs: 5_000,
        regularHours,
      });
      const last = back.bars.get(probe)?.at(-1);
      out.serverLastDay = last ? Math.floor(last.time / DAY_MS_UTC) : null;
    }
    return out;
  } finally {
    await dx.close("candle history complete");
  }
}

/**
 * Run `use` with a DXLink client connected with the given quote token (a fresh one from the API on
 * every reconnect), closed afterwards whatever happens.
 */
export async function withDxlink<T>(
  session: ApiSession,
  initialToken: QuoteToken,
  o: {
    signal: AbortSignal;
    maxFrameBytes?: number;
    /** Give up after this many failed connection attempts (default: never). */
    maxAttempts?: number;
    backoff?: { initialMs?: number; maxMs?: number };
  },
  use: (dx: DxlinkClient) => Promise<T>,
): Promise<T> {
  const dx = new DxlinkClient({
    signal: o.signal,
    ...session.feed,
    ...(o.maxFrameBytes ? { maxFrameBytes: o.maxFrameBytes } : {}),
    ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
    getQuoteToken: quoteTokenProvider(session, initialToken, o.signal),
  });
  dx.start();
  try {
    return await use(dx);
  } finally {
    await dx.close("snapshot complete");
  }
}
