/**
 * Work planning: sources → parse tasks. Large ASCII files are split into byte ranges aligned to
 * line starts (layout detected once, on the main thread, from the file head); small files are
 * batched so per-task overhead stays negligible; binary databases are resolved through their
 * index files here and their data files batched.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { detectLayout, findIndexFiles, matchFileName, resolveSecurities } from "../../metastock/index.ts";
import type { Source } from "./inputs.ts";
import type { ImportError, ParseTask } from "./types.ts";
import { readRange } from "./worker-task.ts";

export interface PlanOptions {
  /** Files above this size are split (bytes). */
  chunkBytes: number;
  /** Small files are batched up to this many bytes per task. */
  batchBytes: number;
  batchFiles: number;
  /** Binary data files per task. */
  binaryBatch: number;
  ignoreEmaster: boolean;
}

export const DEFAULT_PLAN: PlanOptions = {
  chunkBytes: 32 * 1024 * 1024,
  batchBytes: 8 * 1024 * 1024,
  batchFiles: 64,
  binaryBatch: 64,
  ignoreEmaster: false,
};

export interface SplitFile {
  path: string;
  /** Lines before the first piece's data (header and junk). */
  linesBefore: number;
  pieces: number;
}

export interface Plan {
  tasks: ParseTask[];
  totalBytes: number;
  totalFiles: number;
  /** Files split into pieces, for line-number fix-up of their errors. */
  split: Map<string, SplitFile>;
  /** Problems found while planning (unusable files, missing data files). */
  errors: ImportError[];
  warnings: string[];
}

/** Offset just after the next newline at or after `from` (or the file size). */
function nextLineStart(path: string, from: number, size: number): number {
  let pos = from;
  while (pos < size) {
    const block = readRange(path, pos, Math.min(size, pos + 65536));
    const nl = block.indexOf(0x0a);
    if (nl >= 0) return pos + nl + 1;
    pos += block.length;
    if (block.length === 0) break;
  }
  return size;
}

export function planTasks(sources: readonly Source[], o: PlanOptions = DEFAULT_PLAN): Plan {
  const tasks: ParseTask[] = [];
  const split = new Map<string, SplitFile>();
  const errors: ImportError[] = [];
  const warnings: string[] = [];
  let totalBytes = 0;
  let totalFiles = 0;
  let nextId = 0;
  let batch: Extract<ParseTask, { kind: "ascii" }> | null = null;
  let batchBytes = 0;

  sources.forEach((src, si) => {
    const priorityBase = si * 1_000_000;
    if (src.kind === "ascii") {
      totalFiles++;
      totalBytes += src.size;
      if (src.size > o.chunkBytes) {
        const head = readRange(src.path, 0, Math.min(src.size, 256 * 1024));
        const det = detectLayout(head);
        if (!det) {
          errors.push({
            file: src.path,
            line: 1,
            reason: "not a MetaStock ASCII file: no header or data row in the first 50 lines",
          });
          return;
        }
        let start = det.dataStart;
        let piece = 0;
        while (start < src.size) {
          const end =
            start + o.chunkBytes >= src.size
              ? src.size
              : nextLineStart(src.path, start + o.chunkBytes, src.size);
          tasks.push({
            kind: "ascii",
            id: nextId++,
            files: [
              { path: src.path, start, end, layout: det.layout, piece, priority: priorityBase + piece },
            ],
          });
          piece++;
          start = end;
        }
        split.set(src.path, { path: src.path, linesBefore: det.linesBefore, pieces: piece });
        return;
      }
      if (!batch || batchBytes + src.size > o.batchBytes || batch.files.length >= o.batchFiles) {
        batch = { kind: "ascii", id: nextId++, files: [] };
        batchBytes = 0;
        tasks.push(batch);
      }
      batch.files.push({ path: src.path, start: 0, end: src.size, piece: 0, priority: priorityBase });
      batchBytes += src.size;
      return;
    }

    // Binary database.
    const idx = findIndexFiles(src.names);
    const read = (name: string | undefined) => {
      if (!name) return undefined;
      try {
        return new Uint8Array(readFileSync(join(src.dir, name)));
      } catch (e) {
        errors.push({ file: join(src.dir, name), line: 0, reason: `cannot read: ${(e as Error).message}` });
        return undefined;
      }
    };
    const { securities, warnings: w } = resolveSecurities(
      { master: read(idx.master), emaster: read(idx.emaster), xmaster: read(idx.xmaster) },
      { ignoreEmaster: o.ignoreEmaster },
    );
    for (const x of w) warnings.push(`${src.dir}: ${x}`);
    let items: Extract<ParseTask, { kind: "binary" }>["items"] = [];
    let itemBytes = 0;
    securities.forEach((sec, k) => {
      const name = matchFileName(src.names, sec.dataFile);
      if (!name) {
        errors.push({
          file: join(src.dir, sec.dataFile),
          line: 0,
          reason: `listed for ${sec.symbol} but missing; skipped`,
        });
        return;
      }
      const path = join(src.dir, name);
      items.push({
        path,
        symbol: sec.symbol,
        period: sec.period,
        fields: sec.fields,
        priority: priorityBase + k,
      });
      totalFiles++;
      try {
        const size = statSync(path).size;
        totalBytes += size;
        itemBytes += size;
      } catch {
        // reported by the worker when it cannot read the file
      }
      // Bounded by count and bytes: a task's frames live until it ends (polars' native memory is
      // invisible to the GC), so a task must stay small for the import's memory to stay flat.
      if (items.length >= o.binaryBatch || itemBytes >= o.batchBytes / 2) {
        tasks.push({ kind: "binary", id: nextId++, dir: src.dir, items });
        items = [];
        itemBytes = 0;
      }
    });
    if (items.length > 0) tasks.push({ kind: "binary", id: nextId++, dir: src.dir, items });
  });
  return { tasks, totalBytes, totalFiles, split, errors, warnings };
}
