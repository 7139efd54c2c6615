/**
 * The stream recorder: subscribes a DXLink client, appends every decoded batch to typed column
 * buffers per event type, and rolls each type to a Parquet file every `rollSeconds` or `rollEvents`
 * events — each file complete and atomically linked into `outDir/<Type>/` as
 * `<Type>-<start>-<pid>-<recorder>-<seq>.parquet` (never replacing an existing file). On abort (SIGINT/SIGTERM
 * through the signal) or when the duration ends it closes the client cleanly and flushes what it has.
 *
 * Files are written outside the socket callback (on a timer turn), so a roll never runs inside the
 * reader; the client keeps decoding while nothing is written, and column buffers are the only queue.
 */

import { join } from "node:path";
import {
  type CompactBatch,
  type ConnectionState,
  DxlinkClient,
  type DxlinkClientOptions,
  type EventType,
} from "../../client/index.ts";
import type { Compression } from "../../core/compression.ts";
import { type TTError, toTTError, usageError } from "../../core/errors.ts";
import { getLogger } from "../../core/log.ts";
import { EventColumns } from "./columns.ts";
import { eventsFrame, writeFrameParquet } from "./parquet.ts";
import { SilenceMonitor, type SilenceOptions } from "./silence.ts";
import { StreamWorkerWriter } from "./worker-writer.ts";

export interface StreamSubscription {
  type: EventType;
  symbols: readonly string[];
  /** For Candle: history from this epoch-ms time. */
  fromTime?: number;
}

export interface RecorderOptions {
  /** An existing client (the recorder starts it and closes it at the end), or options to make one. */
  client?: DxlinkClient;
  clientOptions?: DxlinkClientOptions;
  subscriptions: StreamSubscription[];
  outDir: string;
  /** Roll a type's file after this many seconds (default 60). */
  rollSeconds?: number;
  /** …or after this many events of that type (default 1,000,000). */
  rollEvents?: number;
  /** Stop after this long (default: until the signal aborts). */
  durationMs?: number;
  signal?: AbortSignal;
  compression?: Compression;
  /**
   * Where Parquet encoding runs: "worker" (default; the column buffers are transferred to a writer
   * thread, so this thread keeps receiving) or "inline" (this thread waits while polars writes).
   */
  writer?: "worker" | "inline";
  /**
   * Per type, events buffered while earlier files are still being written; beyond this, new events
   * are dropped and counted (default 4 × rollEvents). Only a disk slower than the feed gets there.
   */
  maxBufferedEvents?: number;
  /** Called about every `statusEveryMs` (default 1 s) with live counters. */
  onStatus?: (s: RecorderStatus) => void;
  statusEveryMs?: number;
  /** Frozen-feed detection thresholds (see silence.ts); tests shorten them. */
  silence?: SilenceOptions;
}

export interface RecorderStatus {
  elapsedMs: number;
  state: ConnectionState["state"];
  eventsByType: Record<string, number>;
  /** Events per second per type over the last status interval. */
  ratesByType: Record<string, number>;
  reconnects: number;
  dropped: number;
  files: number;
  /** Times the feed went silent (frozen socket) and was reconnected. */
  gaps: number;
}

export interface RecordedFile {
  type: string;
  path: string;
  rows: number;
}

export interface RecorderSummary {
  durationMs: number;
  events: number;
  eventsByType: Record<string, number>;
  reconnects: number;
  /** Events lost: rejected pairs, data without a field list, buffer overflow while the disk lagged. */
  dropped: number;
  files: RecordedFile[];
  /**
   * Times the feed went silent far beyond its usual cadence (a frozen socket), each followed by a
   * reconnect; `silentSeconds` is the time without data they cost, `gapList` the first 20.
   */
  gaps: number;
  silentSeconds: number;
  gapList: { from: string; seconds: number }[];
  /** How the run ended: duration elapsed, aborted, or the client gave up (error set). */
  ended: "duration" | "aborted" | "gave-up";
  error?: string;
}

/** Recorders started by this process: with the pid, it makes every recorder's file names its own. */
let recorders = 0;

export async function recordStream(opts: RecorderOptions): Promise<RecorderSummary> {
  const log = getLogger("stream.recorder");
  // `<pid>-<n>`: two recorders into one folder (two processes, or two in one process) never
  // produce the same name, and files are linked in without replacing (see parquet.ts), so no run
  // can overwrite another's file even if a name did repeat.
  const tag = `${process.pid}-${++recorders}`;
  const client = opts.client ?? new DxlinkClient(required(opts.clientOptions));
  const rollMs = (opts.rollSeconds ?? 60) * 1000;
  const rollEvents = opts.rollEvents ?? 1_000_000;
  const started = Date.now();
  const buffers = new Map<string, { cols: EventColumns; openedAt: number }>();
  const eventsByType: Record<string, number> = {};
  const files: RecordedFile[] = [];
  let seq = 0;
  let writeError: TTError | null = null;
  let rollDue = false;
  let rollTimer: ReturnType<typeof setTimeout> | null = null;
  let stopOnError: (() => void) | null = null;
  const workerWriter = (opts.writer ?? "worker") === "worker" ? new StreamWorkerWriter(2) : null;
  const silence = new SilenceMonitor(opts.silence);

  const stamp = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z");

  const writeType = async (type: string, force: boolean): Promise<void> => {
    const b = buffers.get(type);
    if (!b || b.cols.rows === 0) return;
    const now = Date.now();
    if (!force && b.cols.rows < rollEvents && now - b.openedAt < rollMs) return;
    // The rows leave the column buffers here, synchronously (copied into polars); the buffers are
    // then reused for the next rows, so a roll allocates nothing on the receiving side.
    const rows = b.cols.rows;
    const compression = opts.compression ?? "zstd";
    const openedAt = b.openedAt;
    b.openedAt = now;
    seq++;
    const name = `${type}-${stamp(openedAt)}-${tag}-${String(seq).padStart(5, "0")}`;
    const path = join(opts.outDir, type, `${name}.parquet`);
    try {
      if (workerWriter) {
        // Hand the buffers to the worker (transferred): this thread goes straight back to reading.
        await workerWriter.write(path, b.cols.take(false), compression);
      } else {
        const df = b.cols.drain(eventsFrame);
        await writeFrameParquet(path, df, compression);
      }
      files.push({ type, path, rows });
      log.debug("rolled", { type, rows, path });
    } catch (e) {
      writeError = toTTError(e, "E_IO", `writing ${path}`);
      log.error("write failed", { path, error: writeError.message });
      // A failing disk will not get better by receiving more: stop, keep what is written.
      stopOnError?.();
    }
  };

  let writing: Promise<void> = Promise.resolve();
  const rollAll = (force: boolean): Promise<void> => {
    // Serialise writes: one file at a time, in order.
    writing = writing.then(async () => {
      for (const type of [...buffers.keys()]) await writeType(type, force);
    });
    return writing;
  };

  const scheduleRoll = () => {
    if (rollDue) return;
    rollDue = true;
    setTimeout(() => {
      rollDue = false;
      void rollAll(false);
    }, 0);
  };

  const maxBufferedRows = opts.maxBufferedEvents ?? 4 * rollEvents;
  let droppedBuffered = 0;
  const offData = client.onData((batch: CompactBatch) => {
    let b = buffers.get(batch.type);
    if (!b) {
      b = { cols: new EventColumns(batch.type), openedAt: Date.now() };
      buffers.set(batch.type, b);
    }
    if (b.cols.rows >= maxBufferedRows) {
      // The disk is not keeping up (writes are serialised): bound memory, count what is lost.
      droppedBuffered += batch.count;
      return;
    }
    const now = Date.now();
    silence.onData(now);
    b.cols.append(batch, now);
    eventsByType[batch.type] = (eventsByType[batch.type] ?? 0) + batch.count;
    if (b.cols.rows >= rollEvents) scheduleRoll();
  });

  // A frozen socket: noticed within a few multiples of the feed's own cadence, then reconnected.
  const offConnected = client.onState((s) => {
    if (s.state === "authorized") silence.onConnected();
  });
  const silenceTimer = setInterval(() => {
    if (client.state.state !== "authorized") return;
    const why = silence.check(Date.now());
    if (why && client.restartConnection(`feed silent: ${why}`))
      log.warn("feed silent: reconnecting", { reason: why, gaps: silence.gaps.length });
  }, 250);

  // Time-based rolls.
  const tick = () => {
    rollTimer = setTimeout(tick, Math.min(1000, Math.max(50, rollMs / 4)));
    void rollAll(false);
  };
  rollTimer = setTimeout(tick, Math.min(1000, Math.max(50, rollMs / 4)));

  // Status line.
  let lastCounts: Record<string, number> = {};
  let lastStatusAt = started;
  const statusTimer = opts.onStatus
    ? setInterval(() => {
        const now = Date.now();
        const dt = Math.max(1, now - lastStatusAt) / 1000;
        const ratesByType: Record<string, number> = {};
        for (const [t, n] of Object.entries(eventsByType))
          ratesByType[t] = Math.round((n - (lastCounts[t] ?? 0)) / dt);
        lastCounts = { ...eventsByType };
        lastStatusAt = now;
        opts.onStatus?.({
          elapsedMs: now - started,
          state: client.state.state,
          eventsByType: { ...eventsByType },
          ratesByType,
          reconnects: client.stats.reconnects,
          dropped: client.stats.pendingDropped + client.stats.rejectedPairs + droppedBuffered,
          files: files.length,
          gaps: silence.gaps.length,
        });
      }, opts.statusEveryMs ?? 1000)
    : null;

  // Run until duration, abort or give-up.
  let ended = "duration" as RecorderSummary["ended"];
  let error: string | undefined;
  await new Promise<void>((resolve) => {
    const timer =
      opts.durationMs !== undefined ? setTimeout(() => finish("duration"), opts.durationMs) : null;
    const onAbort = () => finish("aborted");
    const offState = client.onState((s) => {
      if (s.state === "gave-up") {
        error = s.reason;
        finish("gave-up");
      }
    });
    function finish(how: RecorderSummary["ended"]) {
      ended = how;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      offState();
      resolve();
    }
    stopOnError = () => finish("aborted");
    if (opts.signal?.aborted) return finish("aborted");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    for (const s of opts.subscriptions)
      client.subscribe(s.type, s.symbols, s.fromTime !== undefined ? { fromTime: s.fromTime } : {});
    client.start();
  });

  if (rollTimer) clearTimeout(rollTimer);
  if (statusTimer) clearInterval(statusTimer);
  clearInterval(silenceTimer);
  offConnected();
  silence.end(Date.now());
  await client.close(ended === "aborted" ? "recording interrupted" : "recording finished");
  offData();
  await rollAll(true);
  await workerWriter?.close();
  if (writeError) throw writeError;
  const events = Object.values(eventsByType).reduce((a, b) => a + b, 0);
  return {
    durationMs: Date.now() - started,
    events,
    eventsByType,
    reconnects: client.stats.reconnects,
    dropped: client.stats.pendingDropped + client.stats.rejectedPairs + droppedBuffered,
    files,
    gaps: silence.gaps.length,
    silentSeconds: Math.round(silence.silentMs()) / 1000,
    gapList: silence.gaps
      .slice(0, 20)
      .map((g) => ({ from: new Date(g.from).toISOString(), seconds: Math.round(g.to - g.from) / 1000 })),
    ended,
    ...(error ? { error } : {}),
  };
}

function required<T>(v: T | undefined): T {
  if (v === undefined) throw usageError("recordStream needs `client` or `clientOptions`");
  return v;
}
