/** main exits explicitly; output still in a pipe at that moment must not be lost. */
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";

setDefaultTimeout(60_000);

test("trackWrites: a 3 MB write through a pipe arrives whole before process.exit", () => {
  const main = join(import.meta.dir, "main.ts");
  const script = `import { trackWrites } from ${JSON.stringify(main)};
const flush = trackWrites(process.stdout);
process.stdout.write("x".repeat(3_000_000));
process.stdout.write("end\\n", () => {});
await flush();
process.exit(0);`;
  const p = Bun.spawnSync([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  expect(p.exitCode).toBe(0);
  const out = p.stdout.toString();
  expect(out.length).toBe(3_000_004);
  expect(out.endsWith("end\n")).toBe(true);
});
