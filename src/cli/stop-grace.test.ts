/**
 * SIGTERM always stops the process within a bounded time: even when something it waits for
 * ignores the cancellation signal, the process exits 130 within the grace period (10 s).
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

test("SIGTERM ends a process stuck on a wait that ignores cancellation, with exit 130", async () => {
  const p = Bun.spawn([process.execPath, join(import.meta.dir, "stop-grace.fixture.ts")], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = p.stdout.getReader();
  await reader.read(); // "ready"
  const t0 = Date.now();
  p.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const code = await Promise.race([
    p.exited,
    new Promise<null>((r) => {
      timer = setTimeout(() => r(null), 30_000);
    }),
  ]);
  clearTimeout(timer);
  if (code === null) p.kill("SIGKILL");
  expect(code).toBe(130);
  expect(Date.now() - t0).toBeLessThan(30_000);
  expect(await new Response(p.stderr).text()).toContain("still running 10 s after SIGTERM: exiting now");
});
