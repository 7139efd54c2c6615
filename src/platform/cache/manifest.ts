/**
 * The per-artifact manifest: what the artifact is (content fingerprint, row count, files), when
 * it was made, and from what (the fingerprints of its inputs and parameters). It is the commit
 * record: data files are written first under content-addressed names, and only when they are
 * durable is the manifest atomically replaced to point at them. A reader that trusts only the
 * manifest therefore always sees one complete version.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteFile, atomicWriteFileSync } from "../../core/atomic.ts";
import type { ArtifactKind } from "./kinds.ts";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT = 1;

export type ArtifactFileFormat = "parquet" | "csv" | "dir" | "json";

export interface ArtifactFile {
  /** Path relative to the artifact directory. */
  path: string;
  format: ArtifactFileFormat;
  /** Size in bytes (for a directory: the sum of its files). */
  bytes: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  kind: ArtifactKind;
  key: string;
  /** Fingerprint of the content (schema + rows), independent of encoding. */
  fingerprint: string;
  /** Fingerprint of every input artifact (by id) at the time this one was made. */
  inputs: Record<string, string>;
  /** Fingerprint of the parameters (symbols, windows, sources…). */
  params: string;
  createdAt: number;
  createdIso: string;
  rows: number;
  files: ArtifactFile[];
  /** Small facts worth keeping (duplicates removed, failures tolerated…). */
  meta: Record<string, unknown>;
}

export function manifestPath(artifactDir: string): string {
  return join(artifactDir, MANIFEST_FILE);
}

export type ManifestRead = { ok: true; manifest: Manifest } | { ok: false; reason: string; missing: boolean };

/** Read and structurally validate a manifest; never throws. */
export function readManifest(artifactDir: string): ManifestRead {
  const path = manifestPath(artifactDir);
  if (!existsSync(path)) return { ok: false, reason: "no manifest", missing: true };
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return { ok: false, reason: `unreadable manifest: ${(e as Error).message}`, missing: false };
  }
  const m = doc as Partial<Manifest>;
  if (
    !m ||
    m.format !== MANIFEST_FORMAT ||
    typeof m.fingerprint !== "string" ||
    typeof m.createdAt !== "number" ||
    typeof m.rows !== "number" ||
    !Array.isArray(m.files) ||
    typeof m.inputs !== "object" ||
    m.inputs === null
  ) {
    return { ok: false, reason: "manifest has an unknown format", missing: false };
  }
  return { ok: true, manifest: m as Manifest };
}

/** Check that every file the manifest names exists with the recorded size. */
export function verifyFiles(artifactDir: string, manifest: Manifest): string | null {
  for (const f of manifest.files) {
    const p = join(artifactDir, f.path);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      return `missing file ${f.path}`;
    }
    if (f.format === "dir") {
      if (!st.isDirectory()) return `${f.path} is not a directory`;
    } else if (st.size !== f.bytes) {
      return `${f.path} has ${st.size} bytes, manifest says ${f.bytes}`;
    }
  }
  return null;
}

export function writeManifest(artifactDir: string, manifest: Manifest): void {
  atomicWriteFileSync(manifestPath(artifactDir), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** `writeManifest` without blocking the caller's thread on the fsyncs (same commit point). */
export function writeManifestAsync(artifactDir: string, manifest: Manifest): Promise<void> {
  return atomicWriteFile(manifestPath(artifactDir), `${JSON.stringify(manifest, null, 2)}\n`);
}
