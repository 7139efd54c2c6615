/**
 * `ttapi` as a user runs it, for tests of every layer: a child process of the CLI entry point
 * started with the running binary (`process.execPath`, never a `bun` from PATH), stdout and stderr
 * piped (not a TTY). The one place tests spawn the CLI; each test file names only its environment.
 * (Core, so that platform and sim tests can use it too: the CLI is reached by path, not imported.)
 */
import { join } from "node:path";

export const CLI_MAIN = join(import.meta.dir, "..", "..", "cli", "main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed at `timeoutMs`: the command hung. */
  killed: boolean;
}

export interface CliOptions {
  /** Added to the environment: the parent's, or only PATH with `bareEnv`. */
  env?: Record<string, string | undefined>;
  /** Start from PATH alone instead of the parent's environment (nothing leaks in from the shell). */
  bareEnv?: boolean;
  /** Text on stdin (default: none, stdin closed). */
  stdin?: string;
  /** SIGKILL after this long, reported as `killed`: a hang fails the test instead of stalling it. */
  timeoutMs?: number;
  /** Run under `ulimit -n N` (a shell wraps the command). */
  maxOpenFiles?: number;
}

/** Config and data folders under `home`, so a test never reads or writes the user's. */
export function homeEnv(home: string): Record<string, string> {
  return { XDG_CONFIG_HOME: join(home, "config"), XDG_DATA_HOME: join(home, "data") };
}

function command(args: readonly string[], o: CliOptions): string[] {
  const cli = [process.execPath, CLI_MAIN, ...args];
  return o.maxOpenFiles === undefined
    ? cli
    : ["bash", "-c", `ulimit -n ${o.maxOpenFiles} && exec "$0" "$@"`, ...cli];
}

function environment(o: CliOptions): Record<string, string> {
  const base: Record<string, string | undefined> = o.bareEnv ? { PATH: process.env.PATH ?? "" } : process.env;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...base, ...o.env })) if (v !== undefined) out[k] = v;
  return out;
}

/** The running CLI, for tests that signal it or read its output as it comes. */
export function spawnCli(args: readonly string[], o: CliOptions = {}) {
  return Bun.spawn(command(args, o), {
    env: environment(o),
    stdin: o.stdin === undefined ? "ignore" : new TextEncoder().encode(o.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Run the CLI to its end: exit code and all of its output. */
export async function runCli(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  const p = spawnCli(args, o);
  const timer = o.timeoutMs === undefined ? null : setTimeout(() => p.kill("SIGKILL"), o.timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
      p.exited,
    ]);
    return { code, stdout, stderr, killed: p.signalCode === "SIGKILL" };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The same, blocking: for tests that need no event loop while the CLI runs. */
export function runCliSync(args: readonly string[], o: CliOptions = {}): CliResult {
  const p = Bun.spawnSync(command(args, o), {
    env: environment(o),
    stdin: o.stdin === undefined ? "ignore" : new TextEncoder().encode(o.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    code: p.exitCode ?? -1,
    stdout: p.stdout.toString(),
    stderr: p.stderr.toString(),
    killed: p.signalCode === "SIGKILL",
  };
}

/** `ttapi` with its config under `dir/cfg` and its data under `dir/data`, colours as a terminal has them. */
export function cliRunner(dir: string): (...args: string[]) => Promise<CliResult> {
  return (...args) =>
    runCli(args, {
      env: { XDG_CONFIG_HOME: join(dir, "cfg"), TTAPI_DATA_DIR: join(dir, "data"), NO_COLOR: "" },
    });
}
