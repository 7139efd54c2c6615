/**
 * Which securities a MetaStock folder holds, combining its index files the way real-world data
 * needs (after atem): MASTER is the primary index ("EMASTER is often broken"), enriched with
 * EMASTER bitsets/long names joined by file number (never by record position); EMASTER alone is
 * used only when MASTER is missing or unusable; XMASTER records (F256+, .MWD) are always added.
 */
import { type MasterRecord, parseEmaster, parseMaster, parseXmaster } from "./master.ts";

export interface Security extends MasterRecord {
  /** Canonical data file name: F<n>.DAT (n ≤ 255) or F<n>.MWD. Match it case-insensitively. */
  dataFile: string;
}

export interface IndexFiles {
  master?: Uint8Array;
  emaster?: Uint8Array;
  xmaster?: Uint8Array;
}

export interface ResolveOptions {
  /** Skip EMASTER entirely (for folders whose EMASTER is known to be broken). */
  ignoreEmaster?: boolean;
}

export function dataFileName(fileNumber: number): string {
  return fileNumber > 255 ? `F${fileNumber}.MWD` : `F${fileNumber}.DAT`;
}

/** Index file names recognised in a folder listing (any case). */
export function findIndexFiles(names: readonly string[]): {
  master?: string;
  emaster?: string;
  xmaster?: string;
} {
  const out: { master?: string; emaster?: string; xmaster?: string } = {};
  for (const n of names) {
    const u = n.toUpperCase();
    if (u === "MASTER") out.master = n;
    else if (u === "EMASTER") out.emaster = n;
    else if (u === "XMASTER") out.xmaster = n;
  }
  return out;
}

/** Case-insensitive lookup of a file name in a folder listing. */
export function matchFileName(names: readonly string[], wanted: string): string | undefined {
  const w = wanted.toUpperCase();
  return names.find((n) => n.toUpperCase() === w);
}

export function resolveSecurities(
  files: IndexFiles,
  opts: ResolveOptions = {},
): { securities: Security[]; warnings: string[] } {
  const warnings: string[] = [];
  const master = files.master ? parseMaster(files.master) : undefined;
  const emaster = files.emaster && !opts.ignoreEmaster ? parseEmaster(files.emaster) : undefined;
  if (master) warnings.push(...master.warnings);
  if (emaster) warnings.push(...emaster.warnings);

  let base: MasterRecord[] = [];
  if (master?.usable && master.records.length > 0) {
    base = master.records.map((r) => ({ ...r }));
    if (emaster?.usable && emaster.records.length > 0) {
      const byNumber = new Map(emaster.records.map((r) => [r.fileNumber, r]));
      const masterNumbers = new Set(base.map((r) => r.fileNumber));
      let consistent =
        emaster.records.length === base.length &&
        emaster.records.every((r) => masterNumbers.has(r.fileNumber));
      for (const r of base) {
        const e = byNumber.get(r.fileNumber);
        if (!e || e.symbol !== r.symbol) {
          consistent = false;
          continue;
        }
        // Same security: EMASTER's explicit bitset beats the count-derived one, and its name is longer.
        if (e.fieldCount === r.fieldCount) r.fields = e.fields;
        if (e.name.length > r.name.length) r.name = e.name;
      }
      if (!consistent) warnings.push("inconsistent EMASTER and MASTER files, consider option ignoreEmaster");
    }
  } else if (emaster?.usable && emaster.records.length > 0) {
    if (files.master) warnings.push("MASTER: not usable, using EMASTER");
    base = emaster.records;
  } else if (files.master) {
    if (!master?.usable) warnings.push("MASTER: not usable");
  }

  if (files.xmaster) {
    const x = parseXmaster(files.xmaster);
    warnings.push(...x.warnings);
    if (x.usable) base.push(...x.records);
  }

  const seen = new Set<number>();
  const securities: Security[] = [];
  for (const r of base) {
    if (seen.has(r.fileNumber)) {
      warnings.push(`F${r.fileNumber} is listed twice; keeping the first entry`);
      continue;
    }
    seen.add(r.fileNumber);
    securities.push({ ...r, dataFile: dataFileName(r.fileNumber) });
  }
  return { securities, warnings };
}
