import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite, atomicWriteFileSync, tempPathFor } from "./atomic.ts";
import { tempDirs } from "./testing/temp-dirs.ts";

const tmp = tempDirs();
afterAll(() => tmp.removeAll());

describe("atomic writes", () => {
  test("atomicWriteFileSync replaces the target with the given mode, leaving no temp file", () => {
    const dir = tmp.make("ttapi-atomic-");
    const target = join(dir, "sub", "a.json");
    atomicWriteFileSync(target, "one", 0o600);
    atomicWriteFileSync(target, new TextEncoder().encode("two"), 0o600);
    expect(readFileSync(target, "utf8")).toBe("two");
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, "sub"))).toEqual(["a.json"]);
  });

  test("a failing producer keeps the previous file and removes its temp file", async () => {
    const dir = tmp.make("ttapi-atomic-");
    const target = join(dir, "b.txt");
    writeFileSync(target, "previous");
    const err = await atomicWrite(target, (t) => {
      writeFileSync(t, "partial");
      throw new Error("disk full");
    }).catch((e) => e);
    expect([err.code, err.message]).toEqual(["E_IO", `could not write ${target}: disk full`]);
    expect(readFileSync(target, "utf8")).toBe("previous");
    expect(readdirSync(dir)).toEqual(["b.txt"]);
    await atomicWrite(target, (t) => writeFileSync(t, "new"));
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["b.txt"]);
  });

  test("replace: false never replaces a file another writer put there, and leaves no temp file", async () => {
    const dir = tmp.make("ttapi-atomic-");
    const target = join(dir, "a.bin");
    writeFileSync(target, "theirs");
    await expect(atomicWrite(target, (t) => writeFileSync(t, "mine"), { replace: false })).rejects.toThrow(
      "already exists: not replaced",
    );
    expect(readFileSync(target, "utf8")).toBe("theirs");
    expect(readdirSync(dir)).toEqual(["a.bin"]);
    await atomicWrite(join(dir, "b.bin"), (t) => writeFileSync(t, "mine"), { replace: false });
    expect(readFileSync(join(dir, "b.bin"), "utf8")).toBe("mine");
  });

  test("temp names differ between module instances of one process (worker threads share the pid)", async () => {
    const dir = tmp.make("ttapi-atomic-");
    const spec = "./atomic.ts?instance=2"; // a second module instance, as a worker thread has
    const other = (await import(spec)) as typeof import("./atomic.ts");
    const a = tempPathFor(join(dir, "x"));
    const b = other.tempPathFor(join(dir, "x"));
    const tag = (p: string) => /-([0-9a-f]{6})\.tmp$/.exec(p)?.[1];
    expect(tag(a)).toBeDefined();
    expect(tag(a)).not.toBe(tag(b));
    expect(a).toMatch(new RegExp(`^${dir}/\\.x\\.${process.pid}\\.\\d+-[0-9a-f]{6}\\.tmp$`));
  });
});
