/**
 * Crash safety: a child process commits new versions of dependent artifacts as fast as it can and
 * is killed with SIGKILL at random moments, many times. After every kill each artifact must be a
 * complete version — the last one the child reported or the one it was committing — with a
 * readable Parquet file matching the manifest; then a "--cached" repair pass rebuilds whatever is
 * missing or stale and leaves everything fresh.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { mulberry32 } from "../../core/prng.ts";
import { readManifest, verifyFiles } from "../cache/manifest.ts";
import { artifactId } from "../cache/store.ts";
import { CRASH_ARTIFACTS, crashFrame, openStore } from "./crash.fixture.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const FIXTURE = join(import.meta.dir, "crash.fixture.ts");
const KILLS = 18;
const dir = mkdtempSync(join(tmpdir(), "ttapi-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runChild(
  mode: "write" | "repair",
  killAfterMs: number | null,
  onLine: (l: string) => void,
): Promise<void> {
  const child = Bun.spawn([process.execPath, FIXTURE, mode, dir], { stdout: "pipe", stderr: "pipe" });
  // The kill moment counts from the child's first output line, not from spawn: on a loaded
  // machine start-up (Bun + polars) can take most of a fixed delay and the kill then lands
  // before any work.
  let working: () => void = () => {};
  const firstLine = new Promise<void>((resolve) => {
    working = resolve;
  });
  const reader = (async () => {
    let buf = "";
    for await (const chunk of child.stdout) {
      buf += new TextDecoder().decode(chunk);
      let i = buf.indexOf("\n");
      while (i >= 0) {
        working();
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
    }
  })();
  if (killAfterMs !== null) {
    await Promise.race([firstLine, child.exited, Bun.sleep(30_000)]);
    await Bun.sleep(killAfterMs);
    child.kill("SIGKILL");
  }
  const code = await child.exited;
  await reader;
  if (killAfterMs === null)
    expect({ code, stderr: code === 0 ? "" : await new Response(child.stderr).text() }).toEqual({
      code: 0,
      stderr: "",
    });
}

function verifyAll(committed: Map<string, number>, where: string): number[] {
  const { store } = openStore(dir);
  const versions: number[] = [];
  CRASH_ARTIFACTS.forEach((ref, a) => {
    const id = artifactId(ref);
    const adir = store.dirOf(ref);
    const read = readManifest(adir);
    const last = committed.get(id);
    if (!read.ok) {
      expect({ where, id, missing: read.missing }).toEqual({ where, id, missing: true });
      expect(last).toBeUndefined();
      versions.push(0);
      return;
    }
    const m = read.manifest;
    expect({ where, id, files: verifyFiles(adir, m) }).toEqual({ where, id, files: null });
    const v = Number(m.meta.v);
    // The previous complete version or the new complete one: never older than what was reported.
    expect(v === (last ?? 0) || v === (last ?? 0) + 1).toBe(true);
    const df = pl.readParquet(join(adir, m.files.find((f) => f.format === "parquet")!.path));
    expect(df.height).toBe(m.rows);
    expect(df.frameEqual(crashFrame(a, v))).toBe(true);
    const csv = m.files.find((f) => f.format === "csv");
    if (csv) expect(pl.readCSV(join(adir, csv.path)).height).toBe(m.rows);
    versions.push(v);
  });
  return versions;
}

test(`SIGKILL at ${KILLS} random moments: every artifact is a complete version; a cached pass repairs`, async () => {
  const rand = mulberry32(20261121);
  const committed = new Map<string, number>();
  const record = (line: string) => {
    const m = /^C (\S+) (\d+)$/.exec(line);
    if (m) committed.set(m[1]!, Math.max(committed.get(m[1]!) ?? 0, Number(m[2])));
  };
  let totalCommits = 0;
  for (let k = 0; k < KILLS; k++) {
    const before = [...committed.values()].reduce((s, v) => s + v, 0);
    await runChild("write", Math.floor(rand() * 900), record);
    totalCommits += [...committed.values()].reduce((s, v) => s + v, 0) - before;
    verifyAll(committed, `after kill ${k + 1}`);
  }
  // The kills landed during real work, not only during start-up.
  expect(totalCommits).toBeGreaterThan(KILLS);

  const notFresh = openStore(dir)
    .store.status()
    .filter((r) => r.state !== "fresh")
    .map((r) => r.id);
  let repaired: string[] = [];
  await runChild("repair", null, (line) => {
    if (line.startsWith("R ")) repaired = JSON.parse(line.slice(2));
  });
  const versions = verifyAll(committed, "after repair");
  expect(versions.every((v) => v > 0)).toBe(true);
  // Everything is fresh and consistent now: a second pass rebuilds nothing.
  let second: string[] = ["not run"];
  await runChild("repair", null, (line) => {
    if (line.startsWith("R ")) second = JSON.parse(line.slice(2));
  });
  expect(second).toEqual([]);
  for (const id of notFresh) expect(repaired.map((r) => r.split(":")[0])).toContain(id);
  const { store } = openStore(dir);
  expect(store.status().map((r) => r.state)).toEqual(CRASH_ARTIFACTS.map(() => "fresh"));
}, 90_000);
