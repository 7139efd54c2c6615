/**
 * What the import reports about its pieces once they are all parsed: rows out of order or
 * repeated (sorted / deduplicated on import) as warnings, and every bad row as an error in input
 * order with its line number in the whole file (pieces of a split file count from their start).
 */
import { dirname } from "node:path";
import type { Source } from "./inputs.ts";
import { absoluteLine } from "./lines.ts";
import type { ImportError, PieceResult } from "./types.ts";

type Split = ReadonlyMap<string, { linesBefore: number }>;

/** Warnings for rows out of ascending order or repeated, one per kind and file. */
export async function orderWarnings(orderReports: readonly PieceResult[], split: Split): Promise<string[]> {
  const out: string[] = [];
  for (const p of orderReports) {
    const o = p.order!;
    const at = async (l: number) => (split.has(p.path) ? await absoluteLine(p, l, split) : l);
    if (o.descending > 0) {
      out.push(
        `${p.path}:${await at(o.firstDescendingLine)}: date before the previous row's (${o.descending} such rows; sorted on import)`,
      );
    }
    if (o.repeated > 0) {
      out.push(
        `${p.path}:${await at(o.firstRepeatedLine)}: same date/time as the previous row (${o.repeated} such rows; first kept)`,
      );
    }
  }
  return out;
}

/** The pieces' errors added to `errors`, then all sorted in input order, file, line. */
export async function sortedErrors(
  errors: ImportError[],
  pieces: readonly PieceResult[],
  split: Split,
  sources: readonly Source[],
): Promise<ImportError[]> {
  for (const p of pieces) {
    for (const e of p.errors) {
      const line = split.has(p.path) ? await absoluteLine(p, e.line, split) : e.line;
      errors.push({ file: p.path, line, reason: e.reason });
    }
  }
  const order = new Map(sources.map((s, i) => [s.kind === "ascii" ? s.path : s.dir, i]));
  const rank = (f: string) => order.get(f) ?? order.get(dirname(f)) ?? Number.MAX_SAFE_INTEGER;
  return errors.sort(
    (a, b) =>
      rank(a.file) - rank(b.file) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line,
  );
}
