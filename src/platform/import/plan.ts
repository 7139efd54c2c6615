/**
 * Work planning: sources → parse tasks. Large ASCII files are split into byte ranges aligned to
 * line starts (layout detected once, on the main thread, from the file head); small files are
 * batched so per-task overhead stays negligible; binary databases are resolved through their
 * index files here and their data files batched.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { isTTError } from "../../core/errors.ts";
import { describeNonRegular, readInputBytes } from "../../core/input-file.ts";
import {
  detectLayout,
  findDataFile,
  findIndexFiles,
  INDEX_MAX_BYTES,
  resolveSecurities,
  unlistedDataFiles,
} from "../../metastock/index.ts";
import type { Source } from "./inputs.ts";
import type { ImportError, ParseTask } from "./types.ts";
import { crOnlyLines, readRange } from "./worker-task.ts";

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
  /** Binary securities with a derived symbol (blank symbol field). */
  derivedSymbols: number;
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
  let derivedSymbols = 0;

  sources.forEach((src, si) => {
    const priorityBase = si * 1_000_000;
    if (src.kind === "ascii") {
      totalFiles++;
      totalBytes += src.size;
      const head = src.size > o.chunkBytes ? readRange(src.path, 0, Math.min(src.size, 256 * 1024)) : null;
      // CR-only line endings cannot be split at LFs: such a file is one piece (the worker converts).
      if (head && !crOnlyLines(head)) {
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
    // Index files are small (a 16-bit record count): a FIFO, a device or a huge (sparse) file
    // named MASTER is refused with one line instead of blocking or reading gigabytes.
    const read = (name: string | undefined, kind: keyof typeof INDEX_MAX_BYTES) => {
      if (!name) return undefined;
      const path = join(src.dir, name);
      try {
        return readInputBytes(path, kind, {
          maxBytes: INDEX_MAX_BYTES[kind],
          tooBigHint: `not a MetaStock ${kind}: check the folder`,
        });
      } catch (e) {
        // "MASTER is a FIFO (named pipe), …": the file is named beside the reason already.
        const hint = isTTError(e) && e.hint ? `; ${e.hint}` : "";
        errors.push({
          file: path,
          line: 0,
          reason: `${(e as Error).message.replace(`${path} `, "")}${hint}`,
        });
        return undefined;
      }
    };
    const resolved = resolveSecurities(
      {
        master: read(idx.master, "MASTER"),
        emaster: read(idx.emaster, "EMASTER"),
        xmaster: read(idx.xmaster, "XMASTER"),
      },
      { ignoreEmaster: o.ignoreEmaster, names: src.names },
    );
    derivedSymbols += resolved.derived;
    for (const x of resolved.warnings) warnings.push(`${src.dir}: ${x}`);
    for (const x of resolved.errors) errors.push({ file: indexPath(src.dir, x, idx), line: 0, reason: x });
    if (resolved.securities.length === 0) {
      errors.push({
        file: src.dir,
        line: 0,
        reason: "MetaStock folder whose index files list no readable security; nothing imported from it",
      });
    }
    let items: Extract<ParseTask, { kind: "binary" }>["items"] = [];
    let itemBytes = 0;
    const used = new Set<string>();
    resolved.securities.forEach((sec, k) => {
      const found = findDataFile(src.names, sec);
      if (!found) {
        errors.push({
          file: join(src.dir, sec.dataFile),
          line: 0,
          reason: `listed for ${sec.symbol} but missing; skipped`,
        });
        return;
      }
      used.add(found.name.toUpperCase());
      const path = join(src.dir, found.name);
      if (found.swapped)
        warnings.push(`${join(src.dir, sec.dataFile)}: found as ${found.name} (extension swapped)`);
      let size = 0;
      try {
        const st = statSync(path);
        if (!st.isFile()) {
          errors.push({
            file: path,
            line: 0,
            reason: `${describeNonRegular(st)}, not a data file; ${sec.symbol} skipped`,
          });
          return;
        }
        size = st.size;
      } catch {
        // reported by the worker when it cannot read the file
      }
      items.push({
        path,
        symbol: sec.symbol,
        period: sec.period,
        fields: sec.fields,
        priority: priorityBase + k,
        size,
        lastDate: sec.lastDate,
      });
      totalFiles++;
      totalBytes += size;
      itemBytes += size;
      // Bounded by count and bytes: a task's frames live until it ends (polars' native memory is
      // invisible to the GC), so a task must stay small for the import's memory to stay flat.
      if (items.length >= o.binaryBatch || itemBytes >= o.batchBytes / 2) {
        tasks.push({ kind: "binary", id: nextId++, dir: src.dir, items });
        items = [];
        itemBytes = 0;
      }
    });
    for (const reason of unlistedDataFiles(src.names, used)) {
      const name = reason.slice(0, reason.indexOf(":"));
      errors.push({ file: join(src.dir, name), line: 0, reason: reason.slice(name.length + 2) });
    }
    if (items.length > 0) tasks.push({ kind: "binary", id: nextId++, dir: src.dir, items });
  });
  return { tasks, totalBytes, totalFiles, split, errors, warnings, derivedSymbols };
}

/** The index file a resolve message names (`MASTER: …`), as a path; the folder otherwise. */
function indexPath(dir: string, message: string, idx: ReturnType<typeof findIndexFiles>): string {
  const m = /^(MASTER|EMASTER|XMASTER):/.exec(message);
  if (!m) return dir;
  const name = m[1] === "MASTER" ? idx.master : m[1] === "EMASTER" ? idx.emaster : idx.xmaster;
  return join(dir, name ?? m[1]!);
}
