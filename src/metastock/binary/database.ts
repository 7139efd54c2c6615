/**
 * Read a whole MetaStock folder given its file listing and a way to read one file: the pure core
 * of the binary import (the platform adds batching across workers and real file I/O).
 */
import { BarColumnsBuilder } from "../columns.ts";
import { decodeDataFile } from "./data-file.ts";
import {
  findIndexFiles,
  matchFileName,
  type ResolveOptions,
  resolveSecurities,
  type Security,
} from "./directory.ts";

export interface DatabaseRead {
  columns: BarColumnsBuilder;
  securities: Security[];
  /** Folder-level and per-file warnings, each naming the file. */
  warnings: string[];
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
  const { securities, warnings } = resolveSecurities(
    {
      master: idx.master ? read(idx.master) : undefined,
      emaster: idx.emaster ? read(idx.emaster) : undefined,
      xmaster: idx.xmaster ? read(idx.xmaster) : undefined,
    },
    opts,
  );
  let skipped = 0;
  for (const sec of securities) {
    const name = matchFileName(names, sec.dataFile);
    const bytes = name ? read(name) : undefined;
    if (!bytes) {
      warnings.push(`${sec.dataFile}: listed for ${sec.symbol} but missing; skipped`);
      continue;
    }
    const r = decodeDataFile(bytes, sec.fields, out, out.symbolId(sec.symbol), sec.period);
    skipped += r.skipped;
    for (const w of r.warnings) warnings.push(`${name}: ${w}`);
    for (const e of r.errors) warnings.push(`${name}: ${e.record ? `record ${e.record}: ` : ""}${e.reason}`);
  }
  return { columns: out, securities, warnings, skipped };
}
