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
import { configError } from "./errors.ts";
import { readInputText } from "./input-file.ts";
import { registerSecret } from "./redact.ts";

type Kind = "string" | "number" | "integer" | "boolean" | "string[]" | "number[]" | "duration";

interface KeySpec {
  kind: Kind;
  default: unknown;
  env?: string;
  secret?: boolean;
  choices?: readonly string[];
  doc: string;
}

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
    doc: "pinned Accept-Version header",
  },
  "api.concurrency": {
    kind: "integer",
    default: 100,
    env: "TTAPI_CONCURRENCY",
    doc: "max concurrent REST requests (bulkhead)",
  },
  "api.timeout": { kind: "duration", default: 15, env: "TTAPI_TIMEOUT", doc: "per-request timeout" },
  "api.retries": {
    kind: "integer",
    default: 6,
    env: "TTAPI_RETRIES",
    doc: "max retries per idempotent request",
  },
  "api.missing-threshold": {
    kind: "number",
    default: 0.2,
    env: "TTAPI_MISSING_THRESHOLD",
    doc: "max missing fraction before a batch collection fails",
  },

  "dxlink.keepalive": {
    kind: "duration",
    default: 30,
    env: "TTAPI_DXLINK_KEEPALIVE",
    doc: "keepalive timeout announced in SETUP",
  },
  "dxlink.max-frame": {
    kind: "integer",
    default: 65536,
    env: "TTAPI_DXLINK_MAX_FRAME",
    doc: "max outgoing frame size (bytes)",
  },

  "import.compression": {
    kind: "string",
    default: "zstd",
    env: "TTAPI_COMPRESSION",
    choices: ["zstd", "snappy", "none"],
    doc: "Parquet compression",
  },
  "import.workers": {
    kind: "integer",
    default: 0,
    env: "TTAPI_WORKERS",
    doc: "parser/statistics workers (0 = one per core)",
  },

  "stats.windows": {
    kind: "number[]",
    default: [10, 20, 30, 60, 90, 252],
    env: "TTAPI_STATS_WINDOWS",
    doc: "volatility windows (trading days)",
  },
  "stats.annualization": {
    kind: "number",
    default: 252,
    env: "TTAPI_ANNUALIZATION",
    doc: "trading days per year",
  },
  "stats.confidence": {
    kind: "number",
    default: 0.95,
    env: "TTAPI_CONFIDENCE",
    doc: "confidence level for intervals",
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
    doc: "recent window of DXLink daily candles",
  },
  "run.csv": { kind: "boolean", default: false, env: "TTAPI_CSV", doc: "also write CSV mirrors" },
  "run.lock-wait": {
    kind: "duration",
    default: 600,
    env: "TTAPI_LOCK_WAIT",
    doc: "how long a run waits for another run on the same data dir (0 = fail at once)",
  },

  "cache.ttl.accounts": {
    kind: "duration",
    default: 300,
    env: "TTAPI_TTL_ACCOUNTS",
    doc: "accounts/balances/positions TTL",
  },
  "cache.ttl.instruments": {
    kind: "duration",
    default: 86400,
    env: "TTAPI_TTL_INSTRUMENTS",
    doc: "equities TTL",
  },
  "cache.ttl.chains": { kind: "duration", default: 3600, env: "TTAPI_TTL_CHAINS", doc: "option chains TTL" },
  "cache.ttl.metrics": {
    kind: "duration",
    default: 3600,
    env: "TTAPI_TTL_METRICS",
    doc: "market metrics TTL",
  },
  "cache.ttl.quotes": { kind: "duration", default: 60, env: "TTAPI_TTL_QUOTES", doc: "quote snapshots TTL" },
  "cache.ttl.quote-token": {
    kind: "duration",
    default: 3600,
    env: "TTAPI_TTL_QUOTE_TOKEN",
    doc: "quote token TTL",
  },
  "cache.ttl.eod": {
    kind: "duration",
    default: -1,
    env: "TTAPI_TTL_EOD",
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
  registerSecret(cfg["api.client-secret"]);
  registerSecret(cfg["api.refresh-token"]);
  return { config: cfg, sources, file: usedFile };
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
export function describeConfig(loaded: LoadedConfig): string {
  const lines: string[] = [`# config file: ${loaded.file ?? "(none)"}`];
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, KeySpec][]) {
    const v = loaded.config[key];
    const shown = spec.secret ? (v ? '"[REDACTED]"' : '""') : JSON.stringify(v);
    lines.push(`${key} = ${shown}  # ${loaded.sources[key]}`);
  }
  return lines.join("\n");
}

/** The data directory: config `data-dir`, else `$XDG_DATA_HOME/ttapi`. */
export function dataDir(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  return config["data-dir"] || join(xdgDataHome(env), "ttapi");
}
