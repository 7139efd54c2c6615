#!/usr/bin/env bun
/**
 * ttapi entrypoint. Commands are loaded lazily so `ttapi --help` / `--version` do not pay for
 * polars, the sim or the network stack. Unknown commands and flags are rejected with exit code 2.
 */
import { type ArgsDef, type CommandDef, renderUsage, runCommand } from "citty";
import { buildInfo, formatBuildInfo } from "../core/build-info.ts";
import { usageError } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { cliState, reportError } from "./context.ts";

// Each command has its own precise args type; the registry only needs "some command".
// biome-ignore lint/suspicious/noExplicitAny: citty's CommandDef is invariant in its args type
type AnyCommand = CommandDef<any>;
type Loader = () => Promise<AnyCommand>;

/** The command tree; descriptions live here too so the root help needs no imports. */
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
  sim: {
    description: "serve the simulated exchange (TastyTrade REST + DXLink) on 127.0.0.1",
    load: () => import("./commands/sim.ts").then((m) => m.default),
  },
  cache: {
    description: "inspect or clear the artifact cache (status, clear [kind])",
    load: () => import("./commands/cache.ts").then((m) => m.default),
  },
  config: {
    description: "show the effective configuration (secrets redacted)",
    load: () => import("./commands/config.ts").then((m) => m.default),
  },
  auth: {
    description: "store credentials and show token status (login, status, logout)",
    load: () => import("./commands/auth.ts").then((m) => m.default),
  },
};

function rootHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `ttapi ${VERSION} — options and market data: TastyTrade REST, DXLink, MetaStock, statistics, Parquet`,
    "",
    "USAGE  ttapi <command> [options]",
    "",
    "COMMANDS",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.description}`),
    "",
    "GLOBAL OPTIONS",
    "  --config PATH     config file (default: $XDG_CONFIG_HOME/ttapi/ttapi.toml)",
    "  --data-dir DIR    data directory (default: $XDG_DATA_HOME/ttapi)",
    "  -v, -vv           more terminal output (info, debug/trace)",
    "  -q, --quiet       errors only",
    "  -h, --help        help for ttapi or a command",
    "  --version         print the version",
    "",
    "Use `ttapi <command> --help` for more information about a command.",
  ].join("\n");
}

/** Strip -v/-vv/--verbose occurrences (citty would treat -vv as two aliases) and count them. */
export function extractVerbosity(argv: string[]): { argv: string[]; verbosity: number } {
  let verbosity = 0;
  const rest: string[] = [];
  for (const a of argv) {
    if (a === "--verbose") verbosity++;
    else if (/^-v+$/.test(a)) verbosity += a.length - 1;
    else rest.push(a);
  }
  return { argv: rest, verbosity };
}

async function resolve<T>(v: T | Promise<T> | (() => T) | (() => Promise<T>)): Promise<T> {
  return typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
}

/** Known long/short flag names of a command (kebab and camel forms, `--no-x` for booleans). */
export function knownFlags(args: ArgsDef): Set<string> {
  const names = new Set<string>(["help", "h"]);
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const forms = [
      name,
      name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
    ];
    for (const f of forms) {
      names.add(f);
      if (def.type === "boolean" || def.type === undefined) names.add(`no-${f}`);
    }
    const alias = "alias" in def ? def.alias : undefined;
    for (const a of Array.isArray(alias) ? alias : alias ? [alias] : []) names.add(a);
  }
  return names;
}

/** Reject flags the command does not define (citty silently accepts them). */
export function findUnknownFlag(argv: string[], known: Set<string>): string | null {
  for (const a of argv) {
    if (a === "--") break;
    if (!a.startsWith("-") || a === "-" || /^-\d/.test(a)) continue;
    const name = a.replace(/^--?/, "").split("=")[0] ?? "";
    if (a.startsWith("--")) {
      if (!known.has(name)) return a;
    } else {
      for (const ch of name) if (!known.has(ch)) return a;
    }
  }
  return null;
}

export async function main(rawArgv: string[]): Promise<number> {
  const { argv, verbosity } = extractVerbosity(rawArgv);
  cliState.verbosity = verbosity;
  const first = argv[0];
  if (first === "--version" || first === "-V") {
    const info = buildInfo();
    const json = argv.includes("--json");
    process.stdout.write(`${json ? JSON.stringify(info) : formatBuildInfo(info)}\n`);
    return 0;
  }
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(`${rootHelp()}\n`);
    return 0;
  }
  try {
    const entry = COMMANDS[first];
    if (!entry) {
      throw usageError(`unknown command "${first}"`, {
        hint: `commands: ${Object.keys(COMMANDS).join(", ")} (see ttapi --help)`,
      });
    }
    let cmd = await entry.load();
    let parent: AnyCommand | undefined;
    let rest = argv.slice(1);
    // Descend into sub-commands (e.g. `cache clear`, `auth login`).
    for (;;) {
      const subs = cmd.subCommands ? await resolve(cmd.subCommands) : undefined;
      const next = rest.find((a) => !a.startsWith("-"));
      if (!subs || next === undefined || rest[0] !== next) break;
      const sub = subs[next];
      if (!sub) {
        if (cmd.run) break; // positional argument of a command that also has sub-commands
        throw usageError(`unknown command "${first} ${next}"`, {
          hint: `try one of: ${Object.keys(subs).join(", ")}`,
        });
      }
      parent = cmd;
      cmd = await resolve(sub);
      rest = rest.slice(1);
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`${await renderUsage(cmd, parent)}\n`);
      return 0;
    }
    const argsDef = cmd.args ? await resolve(cmd.args) : {};
    const unknown = findUnknownFlag(rest, knownFlags(argsDef));
    if (unknown)
      throw usageError(
        `unknown option ${unknown} for "ttapi ${argv.slice(0, argv.length - rest.length).join(" ")}"`,
        { hint: "see --help for the options it accepts" },
      );
    if (!cmd.run && cmd.subCommands) {
      process.stdout.write(`${await renderUsage(cmd, parent)}\n`);
      return 2;
    }
    await runCommand(cmd, { rawArgs: rest });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (
      err?.code === "EARG" ||
      (err?.message && /Missing required|Invalid value/.test(err.message) && !(e as { hint?: string }).hint)
    ) {
      return reportError(usageError(err.message ?? String(e), { hint: "see --help" }));
    }
    return reportError(e);
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // Exit explicitly: a finished command must not hang on a stray timer or socket.
  process.exit(code);
}
