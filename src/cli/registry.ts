/**
 * The command tree: names, one-line descriptions (so the root help needs no imports) and lazy
 * loaders (so `ttapi --help` does not pay for polars, the sim or the network stack).
 */
import type { ArgsDef, CommandDef } from "citty";

// Each command has its own precise args type; the registry only needs "some command".
// biome-ignore lint/suspicious/noExplicitAny: citty's CommandDef is invariant in its args type
export type AnyCommand = CommandDef<any>;
type Loader = () => Promise<AnyCommand>;

export const COMMANDS: Record<string, { description: string; load: Loader }> = {
  run: {
    description:
      "run the pipeline: core data, symbol data, EOD bars, statistics (--demo: against the built-in sim)",
    load: () => import("./commands/run.ts").then((m) => m.default),
  },
  import: {
    description: "import MetaStock ASCII/binary bars into a Parquet dataset",
    load: () => import("./commands/import.ts").then((m) => m.default),
  },
  stream: {
    description: "record live DXLink events (quotes, trades, greeks, candles…) to Parquet",
    load: () => import("./commands/stream.ts").then((m) => m.default),
  },
  stats: {
    description: "returns, realized volatility estimators, confidence intervals, IV vs HV",
    load: () => import("./commands/stats.ts").then((m) => m.default),
  },
  report: {
    description: "write the lake as one self-contained HTML report with charts (offline, no network)",
    load: () => import("./commands/report.ts").then((m) => m.default),
  },
  sql: {
    description:
      "query the lake with SQL: bars, chains, option_quotes, metrics, iv_hv… (--tables lists them)",
    load: () => import("./commands/sql.ts").then((m) => m.default),
  },
  history: {
    description: "one option contract's mark, IV and greeks across snapshot dates",
    load: () => import("./commands/history.ts").then((m) => m.default),
  },
  sim: {
    description: "serve the simulated exchange (TastyTrade REST + DXLink) on 127.0.0.1",
    load: () => import("./commands/sim.ts").then((m) => m.default),
  },
  cache: {
    description: "inspect or clear the artifact cache (status, clear [kind])",
    load: () => import("./commands/cache.ts").then((m) => m.default),
  },
  lake: {
    description: "the dataset <data-dir>/lake: status, prune --before DATE, compact",
    load: () => import("./commands/lake.ts").then((m) => m.default),
  },
  config: {
    description: "show the effective configuration (secrets redacted), or write an example file (init)",
    load: () => import("./commands/config.ts").then((m) => m.default),
  },
  auth: {
    description: "store credentials and show token status (login, status, logout)",
    load: () => import("./commands/auth.ts").then((m) => m.default),
  },
  completion: {
    description: "print a shell completion script: ttapi completion bash|zsh|fish",
    load: () => import("./commands/completion.ts").then((m) => m.default),
  },
};

export async function resolveValue<T>(v: T | Promise<T> | (() => T) | (() => Promise<T>)): Promise<T> {
  return typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
}

/** A command's options (`--name`, and `-x` aliases) and sub-commands, for completion and typo hints. */
export interface CommandShape {
  options: string[];
  subcommands: Record<string, CommandShape>;
}

export async function commandShape(cmd: AnyCommand): Promise<CommandShape> {
  const args = (cmd.args ? await resolveValue(cmd.args) : {}) as ArgsDef;
  const options: string[] = ["--help"];
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    options.push(`--${name}`);
    const alias = "alias" in def ? def.alias : undefined;
    for (const a of Array.isArray(alias) ? alias : alias ? [alias] : []) options.push(`-${a}`);
  }
  const subcommands: Record<string, CommandShape> = {};
  const subs = cmd.subCommands ? await resolveValue(cmd.subCommands) : undefined;
  for (const [name, sub] of Object.entries(subs ?? {}))
    subcommands[name] = await commandShape(await resolveValue(sub));
  return { options, subcommands };
}

/** The whole tree (loads every command module: for completion scripts only). */
export async function commandTree(): Promise<Record<string, CommandShape>> {
  const out: Record<string, CommandShape> = {};
  for (const [name, c] of Object.entries(COMMANDS)) out[name] = await commandShape(await c.load());
  return out;
}
