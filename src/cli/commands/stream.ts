/**
 * `ttapi stream`: record DXLink events to rolling Parquet files.
 *
 *   ttapi stream --symbols SPY,AAPL [--chains SPY] --types Quote,Trade,Greeks --duration 10m --out DIR [--json]
 *
 * Files: `DIR/<Type>/<Type>-<start>-<pid>-<recorder>-<seq>.parquet`, each complete and atomically
 * linked in (never replacing a file, so concurrent recorders into one DIR never overwrite each other). Ctrl-C (or
 * SIGTERM) flushes what was received and exits 0. On a TTY a status line shows events/s per type,
 * reconnects and drops; `--json` prints a final summary on stdout.
 */
import { join } from "node:path";
import { defineCommand } from "citty";
import { parseDuration } from "../../core/config.ts";
import { EVENT_TYPES, type EventType } from "../../core/dxlink-events.ts";
import { usageError } from "../../core/errors.ts";
import { escapeControl } from "../../core/input-file.ts";
import { parseSymbolList, readSymbolList } from "../../core/symbol-list.ts";
import type { RecorderStatus } from "../../platform/stream/index.ts";
import { apiArgs, globalArgs, runAction } from "../context.ts";

const ALL_TYPES = EVENT_TYPES;
type StreamType = EventType;

function list(v: unknown): string[] {
  return typeof v === "string"
    ? v
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

export function parseTypes(v: unknown): StreamType[] {
  const items = list(v);
  if (items.length === 0) return ["Quote", "Trade"];
  const out: StreamType[] = [];
  for (const t of items) {
    const match = ALL_TYPES.find((x) => x.toLowerCase() === t.toLowerCase());
    if (!match)
      throw usageError(`unknown event type "${t}" in --types`, {
        hint: `use some of ${ALL_TYPES.join(",")}`,
      });
    if (!out.includes(match)) out.push(match);
  }
  return out;
}

function statusLine(s: RecorderStatus): string {
  const rates = Object.entries(s.ratesByType)
    .map(([t, r]) => `${t} ${r.toLocaleString("en-US")}/s`)
    .join("  ");
  return `${(s.elapsedMs / 1000).toFixed(0)}s [${s.state}] ${rates || "waiting for data"}  reconnects ${s.reconnects}  gaps ${s.gaps}  dropped ${s.dropped}  files ${s.files}`;
}

export default defineCommand({
  meta: {
    name: "stream",
    description: "record live DXLink events (quotes, trades, greeks, candles…) to rolling Parquet files",
  },
  args: {
    ...globalArgs,
    ...apiArgs,
    symbols: { type: "string", description: "symbols, comma-separated", valueHint: "A,B,…" },
    "symbols-file": { type: "string", description: "file with one symbol per line", valueHint: "FILE" },
    chains: {
      type: "string",
      description: "also stream every option of these underlyings",
      valueHint: "SYM,…",
    },
    types: {
      type: "string",
      description: `event types (default Quote,Trade): ${ALL_TYPES.join(",")}`,
      valueHint: "T,…",
    },
    duration: {
      type: "string",
      description: "stop after this long, e.g. 90s, 10m (default: until Ctrl-C)",
      valueHint: "DUR",
    },
    out: { type: "string", description: "output directory (default: DATA_DIR/stream)", valueHint: "DIR" },
    roll: { type: "string", description: "roll files every DUR (default 60s)", valueHint: "DUR" },
    "roll-events": {
      type: "string",
      description: "…or every N events per type (default 1000000)",
      valueHint: "N",
    },
    json: { type: "boolean", description: "print a JSON summary on stdout at the end" },
  },
  run: ({ args }) =>
    runAction("stream", args, async ({ config, dataDir, signal }) => {
      const types = parseTypes(args.types);
      // Streamer symbols (options as .SPY260116C500 or OCC), not just tickers: the one list reader.
      const given = typeof args.symbols === "string" ? [args.symbols] : [];
      const file = args["symbols-file"] ? String(args["symbols-file"]) : null;
      const symbols = [
        ...new Set([
          ...parseSymbolList(given, () => "--symbols", "stream"),
          ...(file ? readSymbolList(file, "--symbols-file", "stream") : []),
        ]),
      ];
      const chains = list(args.chains);
      const duration = args.duration ? parseDuration(String(args.duration)) : null;
      if (args.duration && (duration === null || duration <= 0)) {
        throw usageError(`invalid --duration ${JSON.stringify(args.duration)}`, {
          hint: "e.g. 90s, 10m, 1h",
        });
      }
      const roll = args.roll ? parseDuration(String(args.roll)) : 60;
      if (roll === null || roll <= 0)
        throw usageError(`invalid --roll ${JSON.stringify(args.roll)}`, { hint: "e.g. 30s, 5m" });
      const rollEvents = args["roll-events"] ? Number(args["roll-events"]) : 1_000_000;
      if (!Number.isInteger(rollEvents) || rollEvents <= 0) {
        throw usageError(`invalid --roll-events ${JSON.stringify(args["roll-events"])}`, {
          hint: "a positive integer",
        });
      }
      const outDir = args.out ? String(args.out) : join(dataDir, "stream");
      const { streamFromConfig } = await import("../../platform/stream/index.ts");
      const tty = process.stderr.isTTY === true && !args.quiet;
      const summary = await streamFromConfig({
        config,
        dataDir,
        symbols,
        chains,
        types,
        outDir,
        ...(duration !== null ? { durationMs: duration * 1000 } : {}),
        rollSeconds: roll,
        rollEvents,
        signal,
        ...(tty
          ? { onStatus: (s: RecorderStatus) => process.stderr.write(`\r\x1b[2K${statusLine(s)}`) }
          : {}),
      });
      if (tty) process.stderr.write("\r\x1b[2K");
      if (args.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        const per = Object.entries(summary.eventsByType)
          .map(([t, n]) => `${t} ${n}`)
          .join(", ");
        process.stderr.write(
          `stream: ${summary.events} events (${per || "none"}) in ${(summary.durationMs / 1000).toFixed(1)} s, ${summary.reconnects} reconnects, ${summary.dropped} dropped, ${summary.files.length} files → ${outDir}\n`,
        );
        if (summary.gaps > 0)
          process.stderr.write(
            `stream: warning: the feed went silent ${summary.gaps} time${summary.gaps === 1 ? "" : "s"} (${summary.silentSeconds.toFixed(1)} s without data); reconnected each time\n`,
          );
      }
      if (summary.ended === "gave-up") {
        process.stderr.write(
          `stream: the DXLink client gave up: ${escapeControl(summary.error ?? "unknown reason")}\n`,
        );
        return 69;
      }
      return 0;
    }),
});
