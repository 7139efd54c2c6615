/**
 * The one regular-file check every input read goes through: pipes, devices, folders and files
 * far over the cap are refused with one line, at once (a FIFO used to block the open forever).
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isTTError } from "./errors.ts";
import { readInputBytes, readInputText } from "./input-file.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-input-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isTTError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

test("a FIFO is refused at once (the open does not wait for a writer)", () => {
  const fifo = join(dir, "symbols.fifo");
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
  expect(refusal(() => readInputText(fifo, "symbols file"))).toBe(
    `symbols file ${fifo} is a FIFO (named pipe), not a regular file`,
  );
});

test("devices and folders are refused by name", () => {
  expect(refusal(() => readInputText("/dev/zero", "config file"))).toBe(
    "config file /dev/zero is a character device, not a regular file",
  );
  expect(refusal(() => readInputBytes(dir, "MASTER"))).toBe(`MASTER ${dir} is a folder, not a regular file`);
  expect(refusal(() => readInputText(join(dir, "missing"), "symbols file"))).toStartWith(
    `cannot read symbols file ${join(dir, "missing")}`,
  );
});

test("a huge sparse file is refused from its size, before any read; the cap and hint are the caller's", () => {
  const sparse = join(dir, "MASTER");
  writeFileSync(sparse, "");
  truncateSync(sparse, 3 * 1024 ** 3);
  let hint: string | undefined;
  try {
    readInputBytes(sparse, "MASTER", { maxBytes: 53 * 0x10000, tooBigHint: "not a MetaStock MASTER" });
  } catch (e) {
    expect((e as Error).message).toBe(`MASTER ${sparse} is larger than 3 MiB`);
    hint = isTTError(e) ? e.hint : undefined;
  }
  expect(hint).toBe("not a MetaStock MASTER");
  expect(refusal(() => readInputText(sparse, "symbols file"))).toBe(
    `symbols file ${sparse} is larger than 4 MiB`,
  );
});

test("a regular file is read whole, as bytes or UTF-8 text; an empty one is empty", () => {
  const f = join(dir, "list.txt");
  writeFileSync(f, "SPY\nÄKTIE\n");
  expect(readInputText(f, "symbols file")).toBe("SPY\nÄKTIE\n");
  expect(readInputBytes(f, "symbols file", { maxBytes: 64 }).length).toBe(Buffer.byteLength("SPY\nÄKTIE\n"));
  expect(refusal(() => readInputBytes(f, "symbols file", { maxBytes: 4 }))).toContain(
    "is larger than 4 bytes",
  );
  writeFileSync(f, "");
  expect(readInputText(f, "symbols file")).toBe("");
});
