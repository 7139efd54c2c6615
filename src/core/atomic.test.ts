import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atomicWrite, tempPathFor } from "./atomic.ts";

const dir = mkdtempSync(join(tmpdir(), "ttapi-atomic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("replace: false never replaces a file another writer put there, and leaves no temp file", async () => {
  const target = join(dir, "a.bin");
  writeFileSync(target, "theirs");
  await expect(atomicWrite(target, (tmp) => writeFileSync(tmp, "mine"), { replace: false })).rejects.toThrow(
    "already exists: not replaced",
  );
  expect(readFileSync(target, "utf8")).toBe("theirs");
  expect(readdirSync(dir)).toEqual(["a.bin"]);
  await atomicWrite(join(dir, "b.bin"), (tmp) => writeFileSync(tmp, "mine"), { replace: false });
  expect(readFileSync(join(dir, "b.bin"), "utf8")).toBe("mine");
});

test("temp names differ between module instances of one process (worker threads share the pid)", async () => {
  const spec = "./atomic.ts?instance=2"; // a second module instance, as a worker thread has
  const other = (await import(spec)) as typeof import("./atomic.ts");
  const a = tempPathFor(join(dir, "x"));
  const b = other.tempPathFor(join(dir, "x"));
  const tag = (p: string) => /-([0-9a-f]{6})\.tmp$/.exec(p)?.[1];
  expect(tag(a)).toBeDefined();
  expect(tag(a)).not.toBe(tag(b));
  expect(a).toMatch(new RegExp(`^${dir}/\\.x\\.${process.pid}\\.\\d+-[0-9a-f]{6}\\.tmp$`));
});
