/**
 * Child process for the crash-safety test (crash.test.ts): a write-heavy run over a small chain of
 * dependent artifacts, committing new versions as fast as it can until it is SIGKILLed.
 *
 *   bun crash.fixture.ts write  <dataDir>   endless: versions v+1, v+2… of every artifact
 *   bun crash.fixture.ts repair <dataDir>   one "--cached" pass: rebuild what is missing/invalid/stale
 *
 * After each durable commit it writes `C <artifact> <version>` to stdout with a synchronous write,
 * so the parent knows the newest version that is certainly committed.
 */
import { writeSync } from "node:fs";
import pl from "nodejs-polars";
import { loadConfig } from "../../core/config.ts";
import { type ArtifactRef, ArtifactStore, artifactId } from "../cache/store.ts";
import { PersistWriter } from "./writer.ts";

export const CRASH_ARTIFACTS: ArtifactRef[] = [
  { kind: "eod", key: "bars" },
  { kind: "chains", key: "nested" },
  { kind: "metrics", key: "metrics" },
  { kind: "stats", key: "vol" },
];

/** Deterministic content of version `v` of artifact number `a` (sizes vary so writes take different times). */
export function crashFrame(a: number, v: number): pl.DataFrame {
  const n = 20_000 + ((a * 7919 + v * 104_729) % 60_000);
  const x = new Float64Array(n);
  const sym: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = a * 1e6 + v * 1e3 + i * 0.5;
    sym[i] = `S${(i * 31 + v) % 97}`;
  }
  return pl.DataFrame([
    pl.Series("symbol", sym),
    pl.Series("x", x),
    pl.Series("v", new Int32Array(n).fill(v)),
  ]);
}

export function openStore(dataDir: string): { store: ArtifactStore; writer: PersistWriter } {
  const config = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" } }).config;
  const writer = new PersistWriter({ mode: "worker" });
  return { store: new ArtifactStore({ dataDir, config, writer }), writer };
}

function report(line: string): void {
  writeSync(1, `${line}\n`);
}

async function writeForever(dataDir: string): Promise<void> {
  const { store } = openStore(dataDir);
  const version = CRASH_ARTIFACTS.map((ref) => Number(store.manifest(ref)?.meta.v ?? 0));
  for (;;) {
    let upstream: Record<string, string> = {};
    for (let a = 0; a < CRASH_ARTIFACTS.length; a++) {
      const ref = CRASH_ARTIFACTS[a]!;
      const v = version[a]! + 1;
      const c = await store.put(ref, crashFrame(a, v), { inputs: upstream, meta: { v }, csv: a % 2 === 0 });
      await c.durable;
      version[a] = v;
      report(`C ${artifactId(ref)} ${v}`);
      upstream = { [artifactId(ref)]: c.fingerprint };
    }
  }
}

async function repair(dataDir: string): Promise<void> {
  const { store, writer } = openStore(dataDir);
  const rebuilt: string[] = [];
  let upstream: Record<string, string> = {};
  for (let a = 0; a < CRASH_ARTIFACTS.length; a++) {
    const ref = CRASH_ARTIFACTS[a]!;
    const check = store.check(ref, { inputs: upstream });
    let fp = check.manifest?.fingerprint ?? "";
    if (check.state !== "fresh") {
      const v = Number(check.manifest?.meta.v ?? 0) + 1;
      const c = await store.put(ref, crashFrame(a, v), { inputs: upstream, meta: { v }, csv: a % 2 === 0 });
      await c.durable;
      fp = c.fingerprint;
      rebuilt.push(`${artifactId(ref)}:${check.state}`);
    }
    upstream = { [artifactId(ref)]: fp };
  }
  await writer.close();
  report(`R ${JSON.stringify(rebuilt)}`);
}

if (import.meta.main) {
  const [mode, dataDir] = process.argv.slice(2);
  if (!dataDir) {
    process.stderr.write("usage: crash.fixture.ts write|repair <dataDir>\n");
    process.exit(2);
  }
  await (mode === "repair" ? repair(dataDir) : writeForever(dataDir));
  process.exit(0);
}
