/**
 * Configuration with one precedence order: flags > environment (`TTAPI_*`) > config file
 * (`ttapi.toml` in the XDG config dir, or `--config PATH`) > defaults.
 *
 * The schema below is the single source of truth: every key has a type, a default, an env var and
 * a secret flag (secrets are redacted by `ttapi config show`). A bad config file gets one error
 * naming the file, the key and the expected type.
 */

import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { COMPRESSIONS } from "./compression.ts";
import { configError } from "./errors.ts";
import { readInputText } from "./input-file.ts";
import { registerSecret } from "./redact.ts";

type Kind = "string" | "number" | "integer" | "boolean" | "string[]" | "number[]" | "duration";

/** Allowed values of a number (or of each element of a number list); durations in seconds. */
interface Range {
  min: number;
  max: number;
  integer?: boolean;
}

interface KeySpec {
  kind: Kind;
  default: unknown;
  env?: string;
  secret?: boolean;
  choices?: readonly string[];
  range?: Range;
  doc: string;
}

/** TTLs: 0 (always stale) up to ten years. */
const TTL_RANGE: Range = { min: 0, max: 10 * 365 * 86400 };

/** Environment variables ttapi reads besides the config keys' own. */
const OTHER_ENV = ["TTAPI_CONFIG"];

/** Durations are stored in seconds; the file/env/flags accept `90`, `90s`, `15m`, `1h`, `2d`. */
export const CONFIG_SCHEMA = {
  "data-dir": {
    kind: "string",
    default: "",
    env: "TTAPI_DATA_DIR",
    doc: "data directory (default: $XDG_DATA_HOME/ttapi)",
  },
  "log-level": {
    kind: "string",
    default: "warn",
    env: "TTAPI_LOG_LEVEL",
    choices: ["silent", "error", "warn", "info", "debug", "trace"],
    doc: "terminal log level",
  },
  "log-max-bytes": {
    kind: "integer",
    default: 10 * 1024 * 1024,
    env: "TTAPI_LOG_MAX_BYTES",
    range: { min: 1024, max: 1024 ** 3 },
    doc: "rotate the trace log at this size",
  },

  "api.env": {
    kind: "string",
    default: "production",
    env: "TTAPI_ENV",
    choices: ["production", "sandbox", "sim"],
    doc: "API environment",
  },
  "api.url": {
    kind: "string",
    default: "",
    env: "TTAPI_API_URL",
    doc: "REST base URL override (e.g. a local sim)",
  },
  "api.client-secret": {
    kind: "string",
    default: "",
    env: "TT_CLIENT_SECRET",
    secret: true,
    doc: "OAuth client secret",
  },
  "api.refresh-token": {
    kind: "string",
    default: "",
    env: "TT_REFRESH_TOKEN",
    secret: true,
    doc: "OAuth refresh token",
  },
  "api.client-id": { kind: "string", default: "", env: "TT_CLIENT_ID", doc: "OAuth client id (optional)" },
  "api.accept-version": {
    kind: "string",
    default: "20251101",
    env: "TTAPI_ACCEPT_VERSION",
    doc: "pinned Accept-Version header (never sent to the sandbox, which refuses it)",
  },
  "api.concurrency": {
    kind: "integer",
    default: 16,
    env: "TTAPI_CONCURRENCY",
    range: { min: 1, max: 256 },
    doc: "concurrent REST requests to start with (grows adaptively up to 4x while the API keeps up)",
  },
  "api.timeout": {
    kind: "duration",
    default: 15,
    env: "TTAPI_TIMEOUT",
    range: { min: 0.1, max: 600 },
    doc: "per-request timeout",
  },
  "api.retries": {
    kind: "integer",
    default: 6,
    env: "TTAPI_RETRIES",
    range: { min: 0, max: 20 },
    doc: "max retries per idempotent request",
  },
  "api.missing-threshold": {
    kind: "number",
    default: 0.2,
    env: "TTAPI_MISSING_THRESHOLD",
    range: { min: 0, max: 1 },
    doc: "max missing fraction before a batch collection fails",
  },

  "dxlink.keepalive": {
    kind: "duration",
    default: 30,
    env: "TTAPI_DXLINK_KEEPALIVE",
    range: { min: 1, max: 3600 },
    doc: "keepalive timeout announced in SETUP",
  },
  "dxlink.max-frame": {
    kind: "integer",
    default: 65536,
    env: "TTAPI_DXLINK_MAX_FRAME",
    range: { min: 1024, max: 16 * 1024 * 1024 },
    doc: "max outgoing frame size (bytes)",
  },

  "import.compression": {
    kind: "string",
    default: "zstd",
    env: "TTAPI_COMPRESSION",
    choices: COMPRESSIONS,
    doc: "Parquet compression",
  },
  "import.workers": {
    kind: "integer",
    default: 0,
    env: "TTAPI_WORKERS",
    range: { min: 0, max: 256 },
    doc: "parser/statistics workers (0 = one per core)",
  },

  "stats.windows": {
    kind: "number[]",
    default: [10, 20, 30, 60, 90, 252],
    env: "TTAPI_STATS_WINDOWS",
    range: { min: 2, max: 10_000, integer: true },
    doc: "volatility windows (trading days)",
  },
  "stats.annualization": {
    kind: "number",
    default: 252,
    env: "TTAPI_ANNUALIZATION",
    range: { min: 1, max: 100_000 },
    doc: "trading days per year",
  },
  "stats.confidence": {
    kind: "number",
    default: 0.95,
    env: "TTAPI_CONFIDENCE",
    range: { min: 0.5, max: 0.9999 },
    doc: "confidence level for intervals",
  },
  "stats.cone-lookback": {
    kind: "integer",
    default: 252,
    env: "TTAPI_CONE_LOOKBACK",
    range: { min: 2, max: 65_535 },
    doc: "bars the volatility cone and HV percentile look back over (trading days)",
  },

  "run.symbols": {
    kind: "string[]",
    default: ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA"],
    env: "TTAPI_SYMBOLS",
    doc: "default universe",
  },
  "run.symbols-file": {
    kind: "string",
    default: "",
    env: "TTAPI_SYMBOLS_FILE",
    doc: "file with one symbol per line",
  },
  "run.sources": {
    kind: "string[]",
    default: [],
    env: "TTAPI_SOURCES",
    doc: "MetaStock files/folders for the EOD stage",
  },
  "run.candle-days": {
    kind: "integer",
    default: 30,
    env: "TTAPI_CANDLE_DAYS",
    range: { min: 1, max: 3650 },
    doc: "recent window of DXLink daily candles",
  },
  "run.candle-regular-hours": {
    kind: "boolean",
    default: true,
    env: "TTAPI_CANDLE_REGULAR_HOURS",
    doc: "daily DXLink candles for regular trading hours only (tho=true, as the SDKs send)",
  },
  "run.csv": { kind: "boolean", default: false, env: "TTAPI_CSV", doc: "also write CSV mirrors" },
  "run.lock-wait": {
    kind: "duration",
    default: 600,
    env: "TTAPI_LOCK_WAIT",
    doc: "how long a run waits for another run on the same data dir (0 = fail at once)",
  },

  "options.expirations": {
    kind: "integer",
    default: 8,
    env: "TTAPI_OPTIONS_EXPIRATIONS",
    range: { min: 1, max: 1000 },
    doc: "option_quotes: nearest N expirations per underlying",
  },
  "options.strike-range": {
    kind: "number",
    default: 0.2,
    env: "TTAPI_OPTIONS_STRIKE_RANGE",
    range: { min: 0.001, max: 10 },
    doc: "option_quotes: strikes within ± this fraction of the underlying's price",
  },
  "options.timeout": {
    kind: "duration",
    default: 60,
    env: "TTAPI_OPTIONS_TIMEOUT",
    range: { min: 1, max: 3600 },
    doc: "option_quotes: wait this long for every selected option to answer",
  },
  "options.idle-timeout": {
    kind: "duration",
    default: 15,
    env: "TTAPI_OPTIONS_IDLE_TIMEOUT",
    range: { min: 1, max: 3600 },
    doc: "option_quotes: stop waiting once no new option has answered for this long",
  },
  "lake.root": {
    kind: "string",
    default: "",
    env: "TTAPI_LAKE_ROOT",
    doc: "the lake: a folder or s3://bucket/prefix (default: <data-dir>/lake)",
  },
  "lake.s3.endpoint": {
    kind: "string",
    default: "",
    env: "AWS_ENDPOINT_URL",
    doc: "S3-compatible endpoint URL (MinIO, R2; empty: AWS S3 of lake.s3.region)",
  },
  "lake.s3.region": {
    kind: "string",
    default: "us-east-1",
    env: "AWS_REGION",
    doc: "S3 region (R2: auto)",
  },
  "lake.s3.access-key-id": {
    kind: "string",
    default: "",
    env: "AWS_ACCESS_KEY_ID",
    secret: true,
    doc: "S3 access key id",
  },
  "lake.s3.secret-access-key": {
    kind: "string",
    default: "",
    env: "AWS_SECRET_ACCESS_KEY",
    secret: true,
    doc: "S3 secret access key",
  },
  "lake.s3.session-token": {
    kind: "string",
    default: "",
    env: "AWS_SESSION_TOKEN",
    secret: true,
    doc: "S3 session token (temporary credentials)",
  },
  "lake.s3.path-style": {
    kind: "boolean",
    default: true,
    env: "TTAPI_LAKE_S3_PATH_STYLE",
    doc: "path-style URLs (endpoint/bucket/key); false: virtual-hosted (bucket.endpoint/key)",
  },
  "lake.s3.retries": {
    kind: "integer",
    default: 6,
    env: "TTAPI_LAKE_S3_RETRIES",
    range: { min: 0, max: 20, integer: true },
    doc: "retries per S3 request (throttling, 5xx, network)",
  },
  "lake.s3.timeout": {
    kind: "duration",
    default: 120,
    env: "TTAPI_LAKE_S3_TIMEOUT",
    range: { min: 1, max: 3600 },
    doc: "per S3 request timeout",
  },
  "report.enabled": {
    kind: "boolean",
    default: true,
    env: "TTAPI_REPORT",
    doc: "write <data-dir>/report/index.html at the end of `ttapi run`",
  },

  "cache.ttl.accounts": {
    kind: "duration",
    default: 300,
    env: "TTAPI_TTL_ACCOUNTS",
    range: TTL_RANGE,
    doc: "accounts/balances/positions TTL",
  },
  "cache.ttl.instruments": {
    kind: "duration",
    default: 86400,
    env: "TTAPI_TTL_INSTRUMENTS",
    range: TTL_RANGE,
    doc: "equities TTL",
  },
  "cache.ttl.chains": {
    kind: "duration",
    default: 3600,
    env: "TTAPI_TTL_CHAINS",
    range: TTL_RANGE,
    doc: "option chains TTL",
  },
  "cache.ttl.metrics": {
    kind: "duration",
    default: 3600,
    env: "TTAPI_TTL_METRICS",
    range: TTL_RANGE,
    doc: "market metrics TTL",
  },
  "cache.ttl.quotes": {
    kind: "duration",
    default: 60,
    env: "TTAPI_TTL_QUOTES",
    range: TTL_RANGE,
    doc: "quote snapshots TTL",
  },
  "cache.ttl.quote-token": {
    kind: "duration",
    default: 3600,
    env: "TTAPI_TTL_QUOTE_TOKEN",
    range: TTL_RANGE,
    doc: "quote token TTL",
  },
  "cache.ttl.eod": {
    kind: "duration",
    default: -1,
    env: "TTAPI_TTL_EOD",
    range: { min: -1, max: 10 * 365 * 86400 },
    doc: "EOD bars TTL (-1 = until the next session close)",
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;
type ValueOf<K extends Kind> = K extends "string"
  ? string
  : K extends "number" | "integer" | "duration"
    ? number
    : K extends "boolean"
      ? boolean
      : K extends "string[]"
        ? string[]
        : number[];
export type Config = { [K in ConfigKey]: ValueOf<(typeof CONFIG_SCHEMA)[K]["kind"]> };

export type ConfigSource = "default" | "file" | "env" | "flag";
export interface LoadedConfig {
  config: Config;
  sources: Record<ConfigKey, ConfigSource>;
  file: string | null;
  /** Things worth a warning that do not stop anything (e.g. a misspelled TTAPI_* variable). */
  warnings: string[];
}

export function xdgConfigHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CONFIG_HOME || join(homedir(), ".config");
}
export function xdgDataHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_DATA_HOME || join(homedir(), ".local", "share");
}
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdgConfigHome(env), "ttapi", "ttapi.toml");
}

export interface LoadConfigOptions {
  /** Explicit `--config PATH` (must exist). */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag values keyed by config key (already parsed by the CLI; strings are coerced). */
  flags?: Partial<Record<ConfigKey, unknown>>;
}

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const config = {} as Record<string, unknown>;
  const sources = {} as Record<ConfigKey, ConfigSource>;
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, KeySpec][]) {
    config[key] = structuredClone(spec.default);
    sources[key] = "default";
  }

  const explicit = opts.configPath ?? env.TTAPI_CONFIG;
  const file = explicit || defaultConfigPath(env);
  let usedFile: string | null = null;
  if (explicit && !existsSync(explicit)) {
    throw configError(`config file not found: ${explicit}`, {
      hint: "pass an existing file to --config, or omit it",
    });
  }
  if (existsSync(file)) {
    usedFile = file;
    let text: string;
    try {
      // A regular file of at most 1 MiB (`--config /dev/zero` must not read for ever).
      text = readInputText(file, "config file", 1024 * 1024);
    } catch (e) {
      throw configError((e as Error).message, { cause: e, hint: (e as { hint?: string }).hint });
    }
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      const m = (e as Error).message.split("\n")[0];
      throw configError(`${file}: invalid TOML: ${m}`, {
        cause: e,
        hint: "fix the syntax (see `ttapi config show` for valid keys)",
      });
    }
    for (const [key, value] of flatten(doc)) {
      const spec = (CONFIG_SCHEMA as Record<string, KeySpec>)[key];
      if (!spec) {
        throw configError(`${file}: unknown key "${key}"`, {
          hint: `valid keys: ${Object.keys(CONFIG_SCHEMA).join(", ")}`,
        });
      }
      config[key] = coerce(key, spec, value, `${file}: key "${key}"`, false);
      sources[key as ConfigKey] = "file";
    }
  }

  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, KeySpec][]) {
    const raw = spec.env ? env[spec.env] : undefined;
    if (raw !== undefined && raw !== "") {
      config[key] = coerce(key, spec, raw, `environment variable ${spec.env}`, true);
      sources[key] = "env";
    }
  }

  for (const [key, value] of Object.entries(opts.flags ?? {})) {
    if (value === undefined) continue;
    const spec = (CONFIG_SCHEMA as Record<string, KeySpec>)[key];
    if (!spec) continue;
    config[key] = coerce(key, spec, value, `flag for "${key}"`, true);
    sources[key as ConfigKey] = "flag";
  }

  const cfg = config as Config;
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, KeySpec][]) {
    if (spec.range) checkRange(key, spec, cfg[key], sources[key], usedFile);
  }
  // Every secret key (API credentials, S3 keys) is masked in every log line and error from now on.
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, KeySpec][])
    if (spec.secret) registerSecret(cfg[key] as string);
  return { config: cfg, sources, file: usedFile, warnings: unknownEnvWarnings(env) };
}

/** Where a value came from, for an error message: the file, the variable or the flag. */
function origin(key: ConfigKey, source: ConfigSource, file: string | null): string {
  const spec = CONFIG_SCHEMA[key] as KeySpec;
  if (source === "file") return `${file ?? "config file"}: key "${key}"`;
  if (source === "env") return `environment variable ${spec.env}`;
  if (source === "flag") return `option for "${key}"`;
  return `default of "${key}"`;
}

export function describeRange(r: Range): string {
  return `${r.integer ? "integers " : ""}from ${r.min} to ${r.max}`;
}

/** Out-of-range values stop at load with one line naming the key, the value and the range (exit 78). */
function checkRange(
  key: ConfigKey,
  spec: KeySpec,
  value: unknown,
  source: ConfigSource,
  file: string | null,
) {
  const r = spec.range!;
  const list = Array.isArray(value) ? (value as number[]) : [value as number];
  if (spec.kind === "number[]" && list.length === 0)
    throw configError(`${origin(key, source, file)}: ${key} is empty`, {
      hint: `${key}: ${spec.doc}, e.g. ${JSON.stringify(spec.default)}`,
    });
  for (const v of list) {
    if (v >= r.min && v <= r.max && (!r.integer || Number.isInteger(v))) continue;
    const unit = spec.kind === "duration" ? " s" : "";
    const shown = Array.isArray(value) ? `${JSON.stringify(value)} (${v})` : `${v}${unit}`;
    throw configError(
      `${origin(key, source, file)}: ${key} = ${shown} is out of range (allowed: ${describeRange(r)}${unit})`,
      { hint: `${key}: ${spec.doc}; the default is ${JSON.stringify(spec.default)}` },
    );
  }
}

/** A `TTAPI_*` variable ttapi does not read is most likely misspelled: say so, with the closest name. */
function unknownEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = new Set<string>(OTHER_ENV);
  for (const spec of Object.values(CONFIG_SCHEMA) as KeySpec[]) if (spec.env) known.add(spec.env);
  const out: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith("TTAPI_") || known.has(name)) continue;
    const near = closest(name, [...known]);
    out.push(`unknown environment variable ${name} is ignored${near ? ` (did you mean ${near}?)` : ""}`);
  }
  return out;
}

/** The candidate nearest to `word` by edit distance, if near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function flatten(doc: Record<string, unknown>, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date))
      out.push(...flatten(v as Record<string, unknown>, key));
    else out.push([key, v]);
  }
  return out;
}

const DURATION_RE = /^(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
export function parseDuration(value: string | number): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  const m = DURATION_RE.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  const mult = unit === "ms" ? 0.001 : unit === "s" ? 1 : unit === "m" ? 60 : unit === "h" ? 3600 : 86400;
  return n * mult;
}

function coerce(key: string, spec: KeySpec, value: unknown, where: string, fromText: boolean): unknown {
  const fail = (expected: string): never => {
    throw configError(`${where}: expected ${expected}, got ${JSON.stringify(value)}`, {
      hint: `${key}: ${spec.doc}`,
    });
  };
  const asText = typeof value === "string" && fromText;
  switch (spec.kind) {
    case "string": {
      if (typeof value !== "string") fail("a string");
      if (spec.choices && !spec.choices.includes(value as string)) fail(`one of ${spec.choices.join("|")}`);
      return value;
    }
    case "number":
    case "integer": {
      const n = asText ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n) || (asText && (value as string).trim() === ""))
        fail(spec.kind === "integer" ? "an integer" : "a number");
      if (spec.kind === "integer" && !Number.isInteger(n)) fail("an integer");
      return n;
    }
    case "duration": {
      const d = typeof value === "number" || typeof value === "string" ? parseDuration(value) : null;
      if (d === null) return fail('a duration such as 90, "90s", "15m", "1h" or "2d"');
      return d;
    }
    case "boolean": {
      if (typeof value === "boolean") return value;
      if (asText && /^(1|true|yes|on)$/i.test(value as string)) return true;
      if (asText && /^(0|false|no|off)$/i.test(value as string)) return false;
      return fail("a boolean");
    }
    case "string[]": {
      if (asText)
        return (value as string)
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) fail("an array of strings");
      return value;
    }
    case "number[]": {
      const arr = asText ? (value as string).split(",").map((s) => Number(s.trim())) : value;
      if (!Array.isArray(arr) || arr.some((v) => typeof v !== "number" || !Number.isFinite(v)))
        fail("an array of numbers");
      return arr;
    }
  }
}

/** The effective config as TOML-ish lines with secrets redacted, for `ttapi config show`. */
export function describeConfig(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): string {
  const lines: string[] = [`# config file: ${loaded.file ?? "(none)"}`];
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, KeySpec][]) {
    const v = loaded.config[key];
    // The data directory in use, not the empty "use the default" value.
    const value = key === "data-dir" ? dataDir(loaded.config, env) : v;
    const shown = spec.secret ? (v ? '"[REDACTED]"' : '""') : JSON.stringify(value);
    const note = key === "data-dir" && !v ? " ($XDG_DATA_HOME/ttapi)" : "";
    lines.push(`${key} = ${shown}  # ${loaded.sources[key]}${note}`);
  }
  return lines.join("\n");
}

/**
 * An example `ttapi.toml`: every key commented out at its default with what it does, grouped by
 * table, so the file changes nothing until a line is uncommented. Secrets are left out on purpose.
 */
export function exampleConfigToml(): string {
  const out = [
    "# ttapi configuration. Precedence: flags > environment (TTAPI_*) > this file > defaults.",
    "# Every key is commented out at its default: uncomment and edit what you want to change.",
    "# Credentials do not belong here: use `ttapi auth login` (or TT_CLIENT_SECRET / TT_REFRESH_TOKEN).",
    '# Durations accept 90, "90s", "15m", "1h", "2d". `ttapi config show` prints the effective values.',
  ];
  let table = "";
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, KeySpec][]) {
    if (spec.secret) continue;
    const dot = key.lastIndexOf(".");
    const section = dot < 0 ? "" : key.slice(0, dot);
    const name = dot < 0 ? key : key.slice(dot + 1);
    if (section !== table) {
      table = section;
      out.push("", `[${section}]`);
    } else if (out.length === 4) out.push("");
    const range = spec.range ? ` (${describeRange(spec.range)})` : "";
    const choices = spec.choices ? ` (${spec.choices.join(" | ")})` : "";
    out.push(`# ${spec.doc}${choices}${range}${spec.env ? ` — env ${spec.env}` : ""}`);
    out.push(`# ${name} = ${tomlValue(spec)}`);
  }
  return `${out.join("\n")}\n`;
}

function tomlValue(spec: KeySpec): string {
  const v = spec.default;
  if (spec.kind === "duration") return formatDurationValue(v as number);
  return JSON.stringify(v).replace(/,/g, ", ");
}

function formatDurationValue(s: number): string {
  if (s < 0) return String(s);
  if (s % 86400 === 0 && s > 0) return `"${s / 86400}d"`;
  if (s % 3600 === 0 && s > 0) return `"${s / 3600}h"`;
  if (s % 60 === 0 && s > 0) return `"${s / 60}m"`;
  return `"${s}s"`;
}

/** The data directory: config `data-dir`, else `$XDG_DATA_HOME/ttapi`. */
export function dataDir(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  return config["data-dir"] || join(xdgDataHome(env), "ttapi");
}
