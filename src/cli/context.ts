/**
 * What every command shares: global flags, config loading, logging setup, the process-wide
 * cancellation signal (SIGINT/SIGTERM), and turning errors into one clear line + exit code.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ArgsDef } from "citty";
import { type Config, type ConfigKey, dataDir, type LoadedConfig, loadConfig } from "../core/config.ts";
import { exitCodeFor, fsError, ioError, isAbortError, isTTError, toTTError } from "../core/errors.ts";
import { fsErrorHint, fsErrorWhat } from "../core/fs-errors.ts";
import { escapeControl } from "../core/input-file.ts";
import { resolveLakeRoot } from "../core/lake-root.ts";
import {
  configureLogging,
  flushLogs,
  getLogger,
  type Logger,
  type LogLevel,
  logFilePath,
  logToFile,
} from "../core/log.ts";
import { redact } from "../core/redact.ts";

/** Flags every command accepts. `-v`/`-vv` are counted in main.ts before citty sees them. */
export const globalArgs = {
  config: {
    type: "string",
    description: "config file (default: $XDG_CONFIG_HOME/ttapi/ttapi.toml)",
    valueHint: "PATH",
  },
  "data-dir": {
    type: "string",
    description: "data directory (default: $XDG_DATA_HOME/ttapi)",
    valueHint: "DIR",
  },
  verbose: { type: "boolean", alias: "v", description: "more terminal output (-v info, -vv debug)" },
  quiet: { type: "boolean", alias: "q", description: "errors only on the terminal" },
} as const satisfies ArgsDef;

/** The lake's root, for every command that reads or writes the lake. */
export const lakeArgs = {
  lake: {
    type: "string",
    description: "the lake: a folder or s3://bucket/prefix (default: <data-dir>/lake; config lake.root)",
    valueHint: "ROOT",
  },
} as const satisfies ArgsDef;

/** API-environment flags, for every command that talks to the API. */
export const apiArgs = {
  env: { type: "string", description: "API environment: production | sandbox | sim", valueHint: "ENV" },
  url: { type: "string", description: "REST base URL override (e.g. a local `ttapi sim`)", valueHint: "URL" },
} as const satisfies ArgsDef;

export interface CommandCtx {
  loaded: LoadedConfig;
  config: Config;
  dataDir: string;
  /** The lake root: a folder or a registered `s3://bucket/prefix` (credentials known to redaction). */
  readonly lake: string;
  signal: AbortSignal;
  log: Logger;
}

export const cliState = { verbosity: 0 };

/** Build config flag overrides from parsed args: `mapping` maps an arg name to a config key. */
export function flagOverrides(
  args: Record<string, unknown>,
  mapping: Record<string, ConfigKey>,
): Partial<Record<ConfigKey, unknown>> {
  const out: Partial<Record<ConfigKey, unknown>> = {};
  for (const [arg, key] of Object.entries(mapping))
    if (args[arg] !== undefined && args[arg] !== "") out[key] = args[arg];
  return out;
}

const processAbort = new AbortController();
/** How long a process may take to stop after SIGINT/SIGTERM before it is ended regardless. */
const STOP_GRACE_MS = 10_000;
let signalsInstalled = false;
let exitRequested = false;

/** The one process-wide cancellation signal. */
export function processSignal(): AbortSignal {
  if (!signalsInstalled) {
    signalsInstalled = true;
    const onSignal = (sig: NodeJS.Signals) => {
      if (exitRequested) {
        // Second Ctrl-C: the user means it.
        flushLogs();
        process.exit(130);
      }
      exitRequested = true;
      getLogger("cli").warn(`${sig} received: stopping (press Ctrl-C again to force)`);
      processAbort.abort(new Error(sig));
      // Every wait ends on this signal; should one not (a library call that ignores it), the process
      // still ends within a bounded time. Files are replaced atomically, so exiting here loses
      // nothing already written. unref: a process that stops in time exits without waiting for it.
      setTimeout(() => {
        process.stderr.write(`ttapi: still running ${STOP_GRACE_MS / 1000} s after ${sig}: exiting now\n`);
        flushLogs();
        process.exit(130);
      }, STOP_GRACE_MS).unref();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return processAbort.signal;
}

/**
 * Run a command body with config, logging and error handling set up. Returns normally with the
 * exit code set on `process.exitCode`; the body may return a number to choose the exit code.
 */
export async function runAction(
  name: string,
  args: Record<string, unknown>,
  body: (ctx: CommandCtx) => Promise<number | undefined | void>,
  mapping: Record<string, ConfigKey> = {},
): Promise<void> {
  const log = getLogger(`cli.${name}`);
  try {
    const flags = flagOverrides(args, {
      "data-dir": "data-dir",
      env: "api.env",
      url: "api.url",
      lake: "lake.root",
      ...mapping,
    });
    const loaded = loadConfig({ configPath: (args.config as string | undefined) || undefined, flags });
    const dir = dataDir(loaded.config);
    usableDataDir(dir, loaded.sources["data-dir"]);
    const level: LogLevel = args.quiet
      ? "error"
      : cliState.verbosity >= 2
        ? "trace"
        : cliState.verbosity === 1
          ? "info"
          : (loaded.config["log-level"] as LogLevel);
    const logs = join(dir, "logs");
    try {
      configureLogging({
        consoleLevel: level,
        file: join(logs, "ttapi.log"),
        maxBytes: loaded.config["log-max-bytes"],
      });
    } catch (e) {
      // The data dir is a file, on a read-only filesystem, or the disk is full: say so plainly
      // (the terminal is the only place left to say it).
      throw fsError(e, (e as { path?: string }).path ?? logs, "create the data folder");
    }
    log.debug("start", { argv: process.argv.slice(2).join(" ") });
    for (const w of loaded.warnings) log.warn(w);
    const code = await body({
      loaded,
      config: loaded.config,
      dataDir: dir,
      // Resolved on first use: a bad lake.root fails the commands that use the lake, not `config show`.
      get lake() {
        return resolveLakeRoot(loaded.config, dir);
      },
      signal: processSignal(),
      log,
    });
    process.exitCode = typeof code === "number" ? code : (process.exitCode ?? 0);
  } catch (e) {
    process.exitCode = reportError(e);
  } finally {
    flushLogs();
  }
}

/**
 * The data directory must exist or be creatable (its logs/ folder first of all): otherwise one
 * E_IO line naming the path and how it was chosen, instead of an "unexpected error" from mkdir.
 */
function usableDataDir(dir: string, source: string): void {
  try {
    mkdirSync(join(dir, "logs"), { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    const how =
      source === "flag"
        ? "--data-dir"
        : source === "env"
          ? "TTAPI_DATA_DIR"
          : source === "file"
            ? "data-dir in the config file"
            : "the default";
    const why = (e as Error).message.replace(/^[A-Z]+: /, "").split(",")[0];
    // The cause in plain words (read-only filesystem, a file in the way, disk full) and its fix.
    const plain = fsErrorWhat(e);
    throw ioError(`cannot use the data directory ${dir}: ${plain ?? `${code}: ${why}`}`, {
      cause: e,
      hint: `pass a writable folder to --data-dir (or TTAPI_DATA_DIR); this one came from ${how}${plain ? ` (${fsErrorHint(e, dir)})` : ""}`,
    });
  }
}

/** Print one clear line (plus hint) for an expected error; a short message + log path for a bug. */
export function reportError(e: unknown): number {
  const err = isAbortError(e) ? toTTError(e, "E_CANCELLED") : toTTError(e);
  if (isTTError(e) || isAbortError(e)) {
    // The terminal gets the line below; the log file keeps the failure at error (cancel: warn).
    logToFile(err.code === "E_CANCELLED" ? "warn" : "error", "cli", "failed", {
      code: err.code,
      error: err.message,
      cause: err.cause instanceof Error ? err.cause.message : undefined,
    });
    // Messages may quote input: control characters are shown escaped, never sent to the terminal.
    process.stderr.write(`ttapi: error ${err.code}: ${escapeControl(redact(err.message))}\n`);
    if (err.hint) process.stderr.write(`  hint: ${escapeControl(redact(err.hint))}\n`);
  } else {
    logToFile("error", "cli", "unexpected error", {
      error: (e as Error)?.message,
      stack: (e as Error)?.stack,
    });
    const where = logFilePath();
    process.stderr.write(
      `ttapi: unexpected error: ${escapeControl(redact(String((e as Error)?.message ?? e)))}\n`,
    );
    process.stderr.write(where ? `  details: ${where}\n` : "  details: rerun with -vv\n");
  }
  flushLogs();
  return exitCodeFor(e);
}
