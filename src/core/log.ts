/**
 * Logging: `consola` on the terminal (stderr, so `--json` output on stdout stays clean; warnings by
 * default, `-v` info, `-vv` debug/trace) plus a JSON-lines trace file, size-rotated, under the data
 * directory's `logs/`. Every line — terminal or file — goes through the redaction layer.
 *
 * The file sink buffers lines and writes them in batches: request-level trace logging at tens of
 * thousands of requests per second must not turn into one syscall per line.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { type ConsolaInstance, createConsola } from "consola";
import { escapeControl } from "./input-file.ts";
import { redact, redactValue } from "./redact.ts";

export type LogLevel = "silent" | "error" | "warn" | "info" | "debug" | "trace";
const RANK: Record<LogLevel, number> = { silent: -1, error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  trace(msg: string, fields?: LogFields): void;
  /** A logger for a sub-module or an operation; `fields` (e.g. `{ op: id }`) are added to every line. */
  child(module: string, fields?: LogFields): Logger;
  enabled(level: LogLevel): boolean;
}

export interface LoggingOptions {
  consoleLevel?: LogLevel;
  /** JSON-lines file path; null disables the file sink. */
  file?: string | null;
  fileLevel?: LogLevel;
  /** Rotate when the file exceeds this many bytes. */
  maxBytes?: number;
  /** Rotated files kept (`ttapi.log.1` … `ttapi.log.N`). */
  keep?: number;
}

const state = {
  consoleLevel: "warn" as LogLevel,
  fileLevel: "trace" as LogLevel,
  file: null as string | null,
  maxBytes: 10 * 1024 * 1024,
  keep: 5,
  buffer: [] as string[],
  bufferedBytes: 0,
  fileBytes: 0,
  timer: null as ReturnType<typeof setInterval> | null,
  consola: createConsola({
    level: RANK.warn,
    stdout: process.stderr,
    stderr: process.stderr,
  }) as ConsolaInstance,
};

export function configureLogging(opts: LoggingOptions): void {
  if (opts.consoleLevel) {
    state.consoleLevel = opts.consoleLevel;
    state.consola.level = RANK[opts.consoleLevel];
  }
  if (opts.fileLevel) state.fileLevel = opts.fileLevel;
  if (opts.maxBytes) state.maxBytes = opts.maxBytes;
  if (opts.keep !== undefined) state.keep = opts.keep;
  if (opts.file !== undefined) {
    flushLogs();
    // The folder first: a log path that cannot exist is never announced as "details: <path>".
    if (opts.file) mkdirSync(dirname(opts.file), { recursive: true });
    state.file = opts.file;
    if (opts.file) {
      state.fileBytes = existsSync(opts.file) ? statSync(opts.file).size : 0;
      if (!state.timer) {
        state.timer = setInterval(flushLogs, 250);
        state.timer.unref?.();
      }
    }
  }
}

export function logFilePath(): string | null {
  return state.file;
}

/** Write buffered file lines now (called on a timer, before exit and on signals). */
export function flushLogs(): void {
  if (!state.file || state.buffer.length === 0) {
    state.buffer.length = 0;
    state.bufferedBytes = 0;
    return;
  }
  const chunk = state.buffer.join("");
  state.buffer.length = 0;
  state.bufferedBytes = 0;
  try {
    if (state.fileBytes + chunk.length > state.maxBytes && state.fileBytes > 0) rotate(state.file);
    appendFileSync(state.file, chunk, { mode: 0o600 });
    state.fileBytes += Buffer.byteLength(chunk);
  } catch {
    // Logging must never take the program down (disk full, permissions): drop the batch.
  }
}

function rotate(file: string): void {
  for (let i = state.keep; i >= 1; i--) {
    const from = i === 1 ? file : `${file}.${i - 1}`;
    const to = `${file}.${i}`;
    if (!existsSync(from)) continue;
    if (i === state.keep && existsSync(to)) unlinkSync(to);
    renameSync(from, to);
  }
  state.fileBytes = 0;
}

function write(
  level: Exclude<LogLevel, "silent">,
  module: string,
  base: LogFields | undefined,
  msg: string,
  fields?: LogFields,
  fileOnly = false,
) {
  const rank = RANK[level];
  if (!fileOnly && rank <= RANK[state.consoleLevel]) {
    // Escaped: a message or field may quote input, and the terminal must not interpret it.
    const text = escapeControl(redact(`[${module}] ${msg}${fields ? ` ${formatFields(fields)}` : ""}`));
    // consola's own `trace` prints a JavaScript stack under every line (the compiled binary's
    // internal frames): trace lines are printed like debug lines, marked as trace.
    if (level === "trace") state.consola.debug(`(trace) ${text}`);
    else state.consola[level === "debug" ? "debug" : level === "info" ? "info" : level](text);
  }
  if (state.file && rank <= RANK[state.fileLevel]) {
    const record: LogFields = { time: new Date().toISOString(), level, module, msg: redact(msg) };
    if (base) Object.assign(record, redactValue(base) as LogFields);
    if (fields) Object.assign(record, redactValue(fields) as LogFields);
    const line = `${JSON.stringify(record)}\n`;
    state.buffer.push(line);
    state.bufferedBytes += line.length;
    if (state.bufferedBytes > 256 * 1024 || rank <= RANK.error) flushLogs();
  }
}

function formatFields(fields: LogFields): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

function makeLogger(module: string, base?: LogFields): Logger {
  return {
    error: (m, f) => write("error", module, base, m, f),
    warn: (m, f) => write("warn", module, base, m, f),
    info: (m, f) => write("info", module, base, m, f),
    debug: (m, f) => write("debug", module, base, m, f),
    trace: (m, f) => write("trace", module, base, m, f),
    child: (sub, f) => makeLogger(`${module}.${sub}`, base || f ? { ...base, ...f } : undefined),
    enabled: (level) =>
      RANK[level] <= RANK[state.consoleLevel] ||
      (state.file !== null && RANK[level] <= RANK[state.fileLevel]),
  };
}

/** Write a record to the trace file only (e.g. a stack trace the terminal must not show). */
export function logToFile(
  level: Exclude<LogLevel, "silent">,
  module: string,
  msg: string,
  fields?: LogFields,
): void {
  write(level, module, undefined, msg, fields, true);
}

export function getLogger(module: string, fields?: LogFields): Logger {
  return makeLogger(module, fields);
}

/** Monotonic-ish short ids for requests and operations (not secret, just correlation). */
let idCounter = 0;
const idPrefix = Math.floor(Math.random() * 0xffff)
  .toString(16)
  .padStart(4, "0");
export function newOpId(kind = "op"): string {
  idCounter = (idCounter + 1) >>> 0;
  return `${kind}-${idPrefix}${idCounter.toString(36)}`;
}
