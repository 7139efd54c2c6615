/**
 * Read a whole MetaStock folder given its file listing and a way to read one file: the pure core
 * of the binary import (the platform adds batching across workers and real file I/O).
 */
import { BarColumnsBuilder } from "../columns.ts";
import { decodeDataFile, indexShortfall } from "./data-file.ts";
import {
  dataFileNumber,
  findDataFile,
  findIndexFiles,
  type ResolveOptions,
  resolveSecurities,
  type Security,
} from "./directory.ts";

export interface DatabaseRead {
  columns: BarColumnsBuilder;
  securities: Security[];
  /** Folder-level and per-file notices that lost nothing, each naming the file. */
  warnings: string[];
  /** Problems that lost (or may have lost) rows or securities, each naming the file. */
  errors: string[];
  skipped: number;
}

/** Listing contains no MASTER/EMASTER/XMASTER? Then it is not a MetaStock folder. */
export function isMetastockListing(names: readonly string[]): boolean {
  const idx = findIndexFiles(names);
  return idx.master !== undefined || idx.emaster !== undefined || idx.xmaster !== undefined;
}

export function readDatabase(
  names: readonly string[],
  read: (name: string) => Uint8Array | undefined,
  opts: ResolveOptions = {},
  out = new BarColumnsBuilder(1024),
): DatabaseRead {
  const idx = findIndexFiles(names);
  const { securities, warnings, errors } = resolveSecurities(
    {
      master: idx.master ? read(idx.master) : undefined,
      emaster: idx.emaster ? read(idx.emaster) : undefined,
      xmaster: idx.xmaster ? read(idx.xmaster) : undefined,
    },
    { names, ...opts },
  );
  let skipped = 0;
  const used = new Set<string>();
  for (const sec of securities) {
    const found = findDataFile(names, sec);
    const bytes = found ? read(found.name) : undefined;
    if (!found || !bytes) {
      errors.push(`${sec.dataFile}: listed for ${sec.symbol} but missing; skipped`);
      continue;
    }
    const name = found.name;
    used.add(name.toUpperCase());
    if (found.swapped) warnings.push(`${sec.dataFile}: found as ${name} (extension swapped)`);
    const r = decodeDataFile(bytes, sec.fields, out, out.symbolId(sec.symbol), sec.period);
    skipped += r.skipped;
    for (const w of r.warnings) warnings.push(`${name}: ${w}`);
    for (const e of r.errors) errors.push(`${name}: ${e.record ? `record ${e.record}: ` : ""}${e.reason}`);
    const short = indexShortfall(sec.lastDate, r);
    if (short) errors.push(`${name}: ${short}`);
  }
  errors.push(...unlistedDataFiles(names, used));
  return { columns: out, securities, warnings, errors, skipped };
}

/**
 * Data files no index lists (e.g. `.MWD` files of a missing XMASTER): their field layout is only
 * in the index, so they cannot be read; each is named, so nothing vanishes unreported.
 */
export function unlistedDataFiles(names: readonly string[], used: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const hasX = findIndexFiles(names).xmaster !== undefined;
  for (const n of names) {
    if (dataFileNumber(n) === null || used.has(n.toUpperCase())) continue;
    const why = /\.MWD$/i.test(n) && !hasX ? "no XMASTER in the folder" : "no index entry";
    out.push(`${n}: data file not listed in MASTER/EMASTER/XMASTER (${why}); not imported`);
  }
  return out;
}
