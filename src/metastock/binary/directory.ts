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
  /** How the symbol was derived when the index's symbol field was blank (see `deriveSymbols`). */
  derivedFrom?: "name" | "file number";
  /** The index the entry was taken from. */
  index: "MASTER" | "EMASTER" | "XMASTER";
}

export interface IndexFiles {
  master?: Uint8Array;
  emaster?: Uint8Array;
  xmaster?: Uint8Array;
}

export interface ResolveOptions {
  /** Skip EMASTER entirely (for folders whose EMASTER is known to be broken). */
  ignoreEmaster?: boolean;
  /**
   * The folder listing, when known: an EMASTER entry that MASTER lacks (a truncated or damaged
   * MASTER) is recovered only when its data file is there.
   */
  names?: readonly string[];
}

export interface Resolved {
  securities: Security[];
  /** Notices that lost nothing. */
  warnings: string[];
  /** Problems that lose (or may lose) securities: counted as errors, fatal with --strict. */
  errors: string[];
  /** Securities whose symbol was derived (blank symbol field). */
  derived: number;
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

/**
 * The data file of a security in a listing: its canonical name in any case, else the same number
 * with the other extension (copy tools swap `.DAT`/`.MWD`). `swapped` tells the caller to say so.
 */
export function findDataFile(
  names: readonly string[],
  sec: { fileNumber: number; dataFile: string },
): { name: string; swapped: boolean } | undefined {
  const exact = matchFileName(names, sec.dataFile);
  if (exact) return { name: exact, swapped: false };
  const other = sec.dataFile.toUpperCase().endsWith(".DAT")
    ? `F${sec.fileNumber}.MWD`
    : `F${sec.fileNumber}.DAT`;
  const alt = matchFileName(names, other);
  return alt ? { name: alt, swapped: true } : undefined;
}

/** F<n>.DAT / F<n>.MWD in a listing (any case) → n. */
export function dataFileNumber(name: string): number | null {
  const m = /^F(\d+)\.(DAT|MWD)$/i.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Symbols for entries whose symbol field is blank (older databases keep the ticker only in the
 * name field): the name, upper-cased with inner whitespace collapsed to one space; when the name
 * is blank too, or another security of the same period already has that symbol, `F<n>` (the
 * data file number). Stable: the same database always yields the same symbols.
 */
export function deriveSymbols(securities: Security[]): number {
  const taken = new Set(securities.filter((s) => s.symbol !== "").map((s) => `${s.period}|${s.symbol}`));
  let derived = 0;
  for (const s of securities) {
    if (s.symbol !== "") continue;
    derived++;
    const fromName = s.name.replace(/\s+/g, " ").trim().toUpperCase();
    if (fromName !== "" && !taken.has(`${s.period}|${fromName}`)) {
      s.symbol = fromName;
      s.derivedFrom = "name";
    } else {
      s.symbol = `F${s.fileNumber}`;
      s.derivedFrom = "file number";
    }
    taken.add(`${s.period}|${s.symbol}`);
  }
  return derived;
}

export function resolveSecurities(files: IndexFiles, opts: ResolveOptions = {}): Resolved {
  const warnings: string[] = [];
  const errors: string[] = [];
  const master = files.master ? parseMaster(files.master) : undefined;
  const emaster = files.emaster && !opts.ignoreEmaster ? parseEmaster(files.emaster) : undefined;
  for (const p of [master, emaster]) {
    if (!p) continue;
    warnings.push(...p.warnings);
    errors.push(...p.errors);
  }
  type Entry = MasterRecord & { index: Security["index"] };
  let base: Entry[] = [];
  const emasterUsable = emaster?.usable === true && emaster.records.length > 0;
  if (master?.usable && master.records.length > 0) {
    base = master.records.map((r) => ({ ...r, index: "MASTER" as const }));
    if (emasterUsable) {
      const byNumber = new Map(emaster!.records.map((r) => [r.fileNumber, r]));
      const masterNumbers = new Set(base.map((r) => r.fileNumber));
      let consistent =
        emaster!.records.length === base.length &&
        emaster!.records.every((r) => masterNumbers.has(r.fileNumber));
      for (const r of base) {
        const e = byNumber.get(r.fileNumber);
        if (!e || e.symbol !== r.symbol) {
          consistent = false;
          continue;
        }
        // Same security: EMASTER's explicit bitset beats the count-derived one, and its name is longer.
        if (e.fieldCount === r.fieldCount) r.fields = e.fields;
        if (e.name.length > r.name.length) r.name = e.name;
        // EMASTER's period byte is good where MASTER's is not: take it (and its bitset).
        if (r.badPeriod !== undefined && e.badPeriod === undefined) {
          r.period = e.period;
          r.fields = e.fields;
          delete r.badPeriod;
        }
      }
      if (!consistent) warnings.push("inconsistent EMASTER and MASTER files, consider option ignoreEmaster");
      // Entries only EMASTER lists (a truncated or damaged MASTER): recovered when the data file
      // is there; an entry without its file is what an inconsistent EMASTER looks like.
      for (const e of emaster!.records) {
        if (masterNumbers.has(e.fileNumber)) continue;
        const file = dataFileName(e.fileNumber);
        if (opts.names && findDataFile(opts.names, { fileNumber: e.fileNumber, dataFile: file })) {
          base.push({ ...e, index: "EMASTER" });
          warnings.push(
            `F${e.fileNumber} (${e.symbol || "blank symbol"}) is listed only in EMASTER; recovered from it`,
          );
        }
      }
    }
  } else if (emasterUsable) {
    if (files.master) errors.push("MASTER: not usable, using EMASTER");
    base = emaster!.records.map((r) => ({ ...r, index: "EMASTER" as const }));
  } else if (files.master) {
    if (!master?.usable) errors.push("MASTER: not usable");
  }
  if (files.xmaster) {
    const x = parseXmaster(files.xmaster);
    warnings.push(...x.warnings);
    errors.push(...x.errors);
    if (x.usable) base.push(...x.records.map((r) => ({ ...r, index: "XMASTER" as const })));
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
  const derived = deriveSymbols(securities);
  for (const s of securities) {
    if (s.badPeriod !== undefined) {
      errors.push(
        `${s.index}: F${s.fileNumber} (${s.symbol}) has an invalid period byte 0x${s.badPeriod.toString(16).padStart(2, "0")}; read as ${s.period === "I" ? "intraday (I)" : "daily (D)"} from its fields`,
      );
    }
  }
  if (derived > 0) {
    const ex = securities
      .filter((s) => s.derivedFrom)
      .slice(0, 3)
      .map((s) => `F${s.fileNumber} → ${s.symbol}`)
      .join(", ");
    warnings.push(
      `${derived} securities have a blank symbol field: symbols derived from the name field, else F<n> (${ex}${derived > 3 ? ", …" : ""})`,
    );
  }
  return { securities, warnings, errors, derived };
}
