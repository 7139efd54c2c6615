import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite, atomicWriteFileSync } from "./atomic.ts";
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
});
