/**
 * Graceful shutdown and error reporting through `runAction`, in a real child process: SIGINT/SIGTERM
 * abort the one cancellation signal, in-flight work stops, logs are flushed, exit code 130; an
 * unexpected error prints a short message and the log path, exit code 70.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "../core/testing/temp-dirs.ts";

const tmp = tempDirs();
afterAll(() => tmp.removeAll());

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const CONTEXT = join(import.meta.dir, "context.ts");
const CANCEL = join(import.meta.dir, "..", "core", "cancel.ts");

function script(body: string): { file: string; home: string } {
  const home = tmp.make("ttapi-shutdown-");
  const file = join(home, "cmd.ts");
  writeFileSync(
    file,
    `import { runAction } from ${JSON.stringify(CONTEXT)};
import { sleep } from ${JSON.stringify(CANCEL)};
await runAction("probe", {}, async ({ signal, log }) => { ${body} });
process.exit(process.exitCode ?? 0);
`,
  );
  return { file, home };
}

describe("shutdown", () => {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    test(`${sig} cancels in-flight work through the signal, flushes logs, exits 130`, async () => {
      const { file, home } = script(`
        log.info("working");
        process.stdout.write("ready\\n");
        await sleep(60_000, signal);
      `);
      const child = Bun.spawn([process.execPath, file], {
        env: { ...process.env, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home, NO_COLOR: "1" },
        stdout: "pipe",
        stderr: "pipe",
      });
      const reader = child.stdout.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain("ready");
      child.kill(sig);
      const code = await child.exited;
      const err = await new Response(child.stderr).text();
      expect(code).toBe(130);
      expect(err).toContain("E_CANCELLED");
      const logFile = join(home, "ttapi", "logs", "ttapi.log");
      expect(existsSync(logFile)).toBe(true);
      const log = readFileSync(logFile, "utf8");
      expect(log).toContain('"msg":"working"');
      expect(log).toContain(`${sig} received`);
    });
  }

  test("an unexpected error prints a short message and the log file path, exit 70", () => {
    const { file, home } = script(`throw new RangeError("index 7 out of range");`);
    const p = Bun.spawnSync([process.execPath, file], {
      env: { ...process.env, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home, NO_COLOR: "1" },
      stderr: "pipe",
    });
    const err = p.stderr.toString();
    expect(p.exitCode).toBe(70);
    expect(err).toContain("unexpected error: index 7 out of range");
    expect(err).toContain(join(home, "ttapi", "logs", "ttapi.log"));
    expect(err).not.toContain("    at ");
    expect(readFileSync(join(home, "ttapi", "logs", "ttapi.log"), "utf8")).toContain("RangeError");
  });
});
