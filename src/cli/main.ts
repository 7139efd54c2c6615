#!/usr/bin/env bun
/**
 * ttapi entrypoint. Commands are loaded lazily so `ttapi --help` / `--version` do not pay for
 * polars, the sim or the network stack. Unknown commands and flags are rejected with exit code 2.
 */
import { stripVTControlCharacters } from "node:util";
import { type ArgsDef, renderUsage, runCommand } from "citty";
import { buildInfo, formatBuildInfo } from "../core/build-info.ts";
import { closest } from "../core/config.ts";
import { usageError } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { cliState, reportError } from "./context.ts";
import { type AnyCommand, COMMANDS, resolveValue } from "./registry.ts";

export { COMMANDS } from "./registry.ts";

function rootHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `ttapi ${VERSION} — options and market data: TastyTrade REST, DXLink, MetaStock, statistics, Parquet`,
    "",
    "USAGE  ttapi [global options] <command> [options]",
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
    "Global options may come before or after the command (`ttapi -q run`, `ttapi run -q`).",
    "Use `ttapi <command> --help` or `ttapi help <command>` for more information about a command.",
    "Shell completion: `ttapi completion bash|zsh|fish`.",
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

const resolve = resolveValue;

/** Global options that take a value, and those that don't (as typed before the command). */
const GLOBAL_VALUE_FLAGS = new Set(["--config", "--data-dir", "--env", "--url"]);
const GLOBAL_BOOL_FLAGS = new Set(["-q", "--quiet"]);

/**
 * Move global options typed before the command (`ttapi --data-dir X cache status`, `ttapi -q run`)
 * to the end of the command line, where the command's parser expects them.
 */
export function hoistGlobalOptions(argv: string[]): string[] {
  const moved: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    const name = a.split("=")[0]!;
    if (GLOBAL_BOOL_FLAGS.has(a)) {
      moved.push(a);
      i++;
    } else if (GLOBAL_VALUE_FLAGS.has(name)) {
      if (a.includes("=")) {
        moved.push(a);
        i++;
      } else {
        moved.push(a, ...(argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
        i += 2;
      }
    } else break;
  }
  if (moved.length === 0) return argv;
  if (i >= argv.length) return []; // only global options: the root help
  // After the whole command line (sub-commands and positionals first), before a `--` separator.
  const rest = argv.slice(i);
  const sep = rest.indexOf("--");
  return sep < 0 ? [...rest, ...moved] : [...rest.slice(0, sep), ...moved, ...rest.slice(sep)];
}

/** Help text for a command: the program name in the usage line, no ANSI colour outside a terminal. */
export async function commandHelp(
  cmd: AnyCommand,
  path: readonly string[],
  colour: boolean,
): Promise<string> {
  const parent = { meta: { name: ["ttapi", ...path.slice(0, -1)].join(" ") } };
  const text = await renderUsage(cmd, parent as AnyCommand);
  return colour ? text : stripVTControlCharacters(text);
}

const helpColour = () => !!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== "dumb";

/** Options that take a value: a missing, empty or option-like value is a usage error, not a default. */
export function findBadValue(argv: string[], args: ArgsDef): string | null {
  const takesValue = new Set<string>();
  for (const [name, def] of Object.entries(args)) if (def.type === "string") takesValue.add(name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    if (!a.startsWith("--")) continue;
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!takesValue.has(name)) continue;
    const value = eq < 0 ? argv[i + 1] : a.slice(eq + 1);
    if (value === undefined) return `option --${name} needs a value`;
    if (value.trim() === "") return `option --${name} needs a value, got an empty string`;
    if (eq < 0 && /^--?[a-zA-Z]/.test(value))
      return `option --${name} needs a value, got the option ${value}`;
    if (eq < 0) i++;
  }
  return null;
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
  const extracted = extractVerbosity(rawArgv);
  const verbosity = extracted.verbosity;
  let argv = hoistGlobalOptions(extracted.argv);
  cliState.verbosity = verbosity;
  const first = argv[0];
  if (first === "--version" || first === "-V") {
    const info = buildInfo();
    const json = argv.includes("--json");
    process.stdout.write(`${json ? JSON.stringify(info) : formatBuildInfo(info)}\n`);
    return 0;
  }
  if (first === "help" && argv.length > 1) argv = [...argv.slice(1), "--help"]; // `ttapi help run`
  if (argv[0] === undefined || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(`${rootHelp()}\n`);
    return 0;
  }
  const name = argv[0];
  try {
    const entry = COMMANDS[name];
    if (!entry) {
      const near = closest(name, Object.keys(COMMANDS));
      throw usageError(`unknown command "${name}"${near ? ` — did you mean ${near}?` : ""}`, {
        hint: `commands: ${Object.keys(COMMANDS).join(", ")} (see ttapi --help)`,
      });
    }
    let cmd = await entry.load();
    let rest = argv.slice(1);
    // Descend into sub-commands (e.g. `cache clear`, `auth login`).
    for (;;) {
      const subs = cmd.subCommands ? await resolve(cmd.subCommands) : undefined;
      const next = rest.find((a) => !a.startsWith("-"));
      if (!subs || next === undefined || rest[0] !== next) break;
      const sub = subs[next];
      if (!sub) {
        if (cmd.run) break; // positional argument of a command that also has sub-commands
        const near = closest(next, Object.keys(subs));
        throw usageError(
          `unknown command "${name} ${next}"${near ? ` — did you mean ${name} ${near}?` : ""}`,
          {
            hint: `try one of: ${Object.keys(subs).join(", ")}`,
          },
        );
      }
      cmd = await resolve(sub);
      rest = rest.slice(1);
    }
    const path = argv.slice(0, argv.length - rest.length);
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`${await commandHelp(cmd, path, helpColour())}\n`);
      return 0;
    }
    const argsDef = cmd.args ? await resolve(cmd.args) : {};
    const known = knownFlags(argsDef);
    const unknown = findUnknownFlag(rest, known);
    if (unknown) {
      const flag = unknown.split("=")[0]!;
      const near = flag.startsWith("--")
        ? closest(
            flag.slice(2),
            [...known].filter((k) => k.length > 1),
          )
        : null;
      throw usageError(
        `unknown option ${flag} for "ttapi ${path.join(" ")}"${near ? ` — did you mean --${near}?` : ""}`,
        { hint: `see \`ttapi ${path.join(" ")} --help\` for the options it accepts` },
      );
    }
    const bad = findBadValue(rest, argsDef);
    if (bad)
      throw usageError(bad, { hint: `e.g. ${exampleFor(bad)}; see \`ttapi ${path.join(" ")} --help\`` });
    if (!cmd.run && cmd.subCommands) {
      process.stdout.write(`${await commandHelp(cmd, path, helpColour())}\n`);
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

/**
 * Count a stream's writes until the OS took them; the returned function resolves when all have.
 * main exits the process explicitly, and a pipe (`ttapi stats --json | jq`) takes 64–128 KB at a
 * time: exiting before it drained cut the output there (measured: 131,072 of 2,285,841 bytes).
 * Bun reports neither writableLength nor writableNeedDrain for it, so every write's callback is
 * tracked instead.
 */
export function trackWrites(stream: NodeJS.WriteStream): () => Promise<void> {
  const pending = new Set<Promise<void>>();
  type Done = (err?: Error | null) => void;
  const write = stream.write.bind(stream) as (chunk: unknown, encoding?: unknown, cb?: Done) => boolean;
  stream.write = ((chunk: unknown, a?: unknown, b?: unknown) => {
    const cb = (typeof a === "function" ? a : typeof b === "function" ? b : undefined) as Done | undefined;
    let done: () => void = () => {};
    const p = new Promise<void>((resolve) => {
      done = resolve;
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
    return write(chunk, typeof a === "string" ? a : undefined, (err) => {
      done();
      cb?.(err);
    });
  }) as typeof stream.write;
  return async () => {
    await Promise.all([...pending]);
  };
}

function exampleFor(message: string): string {
  const m = /--([a-z-]+)/.exec(message);
  return m ? `--${m[1]} VALUE (or --${m[1]}=VALUE)` : "--option VALUE";
}

if (import.meta.main) {
  // A closed pipe (`ttapi … | head`) is not an error of ours: exit quietly.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  });
  const flushOut = trackWrites(process.stdout);
  const flushErr = trackWrites(process.stderr);
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  await Promise.all([flushOut(), flushErr()]);
  // Exit explicitly: a finished command must not hang on a stray timer or socket.
  process.exit(code);
}
