/**
 * File-system failures name their cause, the path and the fix as one E_IO line (exit 74) instead
 * of "unexpected error: ENOTDIR … mkdir" (exit 70) pointing at a log file that cannot exist, or
 * polars' "Invalid thrift" on a full disk; a full disk leaves no lock behind; `-vv` prints no
 * JavaScript stack frames. Full and read-only disks are real tmpfs mounts (the tests run as root,
 * as CI does); where mounting is not permitted the same errors are injected instead.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toTTError } from "../core/errors.ts";
import { runCli } from "../core/testing/cli-process.ts";
import { acquireRunLock, importBars } from "../platform/index.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(90_000);

const home = mkdtempSync(join(tmpdir(), "ttapi-io-errors-"));
const mounts: string[] = [];
afterAll(async () => {
  for (const m of mounts) await Bun.spawn(["umount", m]).exited;
  rmSync(home, { recursive: true, force: true });
});

const ttapi = (args: string[]) =>
  runCli(args, { env: { XDG_CONFIG_HOME: join(home, "config"), TTAPI_ENV: "", TTAPI_API_URL: "" } });

/** A tmpfs of `size` at a fresh folder, or null where mounting is not permitted. */
async function tmpfs(name: string, options: string): Promise<string | null> {
  const dir = join(home, name);
  mkdirSync(dir, { recursive: true });
  const p = Bun.spawn(["mount", "-t", "tmpfs", "-o", options, "tmpfs", dir], { stderr: "pipe" });
  if ((await p.exited) !== 0) return null;
  mounts.push(dir);
  return dir;
}

function fill(dir: string) {
  const chunk = Buffer.alloc(64 * 1024, 7);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(dir, `fill-${i}`), chunk);
    } catch {
      return;
    }
  }
}

describe("data directory problems", () => {
  test("a data dir that is a file: E_IO naming the path and the fix, no log path that cannot exist", async () => {
    const file = join(home, "a-file");
    writeFileSync(file, "x");
    const r = await ttapi(["run", "--demo", "--data-dir", file]);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain(
      `ttapi: error E_IO: cannot use the data directory ${file}: a part of the path is a file`,
    );
    expect(r.stderr).toContain("remove or rename the file in the way");
    expect(r.stderr).toContain("this one came from --data-dir");
    expect(r.stderr).not.toContain("unexpected");
    expect(r.stderr).not.toContain("details:");
  });

  test("a new data dir on a read-only filesystem", async () => {
    const ro = await tmpfs("ro", "size=1m,ro");
    if (ro) {
      const r = await ttapi(["cache", "status", "--data-dir", join(ro, "new")]);
      expect(r.code).toBe(74);
      expect(r.stderr).toContain(`cannot use the data directory ${join(ro, "new")}`);
      expect(r.stderr).toContain("read-only file system");
      expect(r.stderr).toContain("remount the filesystem read-write");
    } else {
      const e = toTTError(
        Object.assign(new Error("EROFS"), { code: "EROFS", path: "/ro/new", syscall: "mkdir" }),
      );
      expect(e.code).toBe("E_IO");
      expect(e.message).toBe("cannot create the folder /ro/new: read-only file system");
    }
  });
});

describe("full disk", () => {
  test("the run lock on a full disk: E_IO 'no space left on device', no lock left behind", async () => {
    const full = await tmpfs("full-lock", "size=256k");
    if (!full) {
      const e = toTTError(
        Object.assign(new Error("ENOSPC"), { code: "ENOSPC", path: "/x", syscall: "write" }),
      );
      expect(e.message).toBe("cannot write /x: no space left on device");
      return;
    }
    mkdirSync(join(full, "artifacts"));
    fill(full);
    await expect(acquireRunLock(full)).rejects.toThrow("no space left on device");
    expect(readdirSync(join(full, "artifacts"))).toEqual([]);
    expect(existsSync(join(full, "artifacts", ".run.lock"))).toBe(false);
  });

  test("a MetaStock import that fills the disk says so (not 'Invalid thrift')", async () => {
    const full = await tmpfs("full-import", "size=256k");
    const src = join(home, "big.txt");
    const lines = ["<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>"];
    for (let s = 0; s < 60; s++)
      for (let d = 0; d < 1000; d++) {
        const p = 10 + ((s * 7919 + d * 104_729) % 9973) / 100;
        const day = `${2000 + Math.floor(d / 250)}${String(1 + Math.floor((d % 250) / 21)).padStart(2, "0")}${String(1 + (d % 21)).padStart(2, "0")}`;
        lines.push(`S${s}.US,D,${day},000000,${p},${p * 1.01},${p * 0.99},${p},${d * 13 + s},0`);
      }
    writeFileSync(src, `${lines.join("\n")}\n`);
    if (!full) return;
    const out = join(full, "out");
    const err = await importBars({ inputs: [src], outDir: out }).catch((e) => e);
    expect(err?.code).toBe("E_IO");
    expect(err.message).toContain(`cannot write the import to ${out}: no space left on device`);
    expect(err.hint).toContain("free disk space");
    expect(err.message).not.toContain("thrift");
  });
});

test("-vv prints no JavaScript stack frames", async () => {
  const r = await ttapi([
    "-vv",
    "stream",
    "--env",
    "sim",
    "--url",
    "http://127.0.0.1:9",
    "--symbols",
    "AAPL",
    "--duration",
    "1s",
    "--data-dir",
    join(home, "vv"),
  ]);
  expect(r.stderr).toContain("(trace) [client.http] request");
  expect(r.stderr).not.toMatch(/^\s+at /m);
});
