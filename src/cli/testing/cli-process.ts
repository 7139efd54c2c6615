/**
 * `ttapi` as a user runs it, for tests: a child process of the CLI entry point (stderr not a TTY)
 * with its config and data directory under `dir`, colours on as a plain terminal would have them.
 */
import { join } from "node:path";

const MAIN = join(import.meta.dir, "..", "main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliRunner(dir: string): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    const p = Bun.spawn([process.execPath, MAIN, ...args], {
      stdout: "pipe",
      stderr: "pipe",
      env: {
        ...process.env,
        XDG_CONFIG_HOME: join(dir, "cfg"),
        TTAPI_DATA_DIR: join(dir, "data"),
        NO_COLOR: "",
      },
    });
    const [stdout, stderr] = await Promise.all([
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
    ]);
    return { code: await p.exited, stdout, stderr };
  };
}
