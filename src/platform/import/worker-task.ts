/**
 * What a parse worker does with one task: read the bytes (a file, a line-aligned byte range of a
 * big file, or a batch of small files / binary data files), parse them into typed columns, then
 * either write each (period, symbol) group as a Parquet part into the staging tree (import) or
 * hand the columns back as transferable buffers (parse-only use).
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { type BarColumns, mapBarArrays } from "../../core/bars.ts";
import { ioError } from "../../core/errors.ts";
import { describeNonRegular } from "../../core/input-file.ts";
import {
  BarColumnsBuilder,
  columnBuffers,
  dataBytesWanted,
  decodeDataFile,
  detectLayout,
  fieldOffsets,
  flagRows,
  indexShortfall,
  parseAsciiRange,
  shareColumns,
  symbolFromFileName,
} from "../../metastock/index.ts";
import { isStoredBarsFile } from "../bars-schema.ts";
import { releasePolarsFrames } from "../native-heap.ts";
import { groupRows, type RowGroup } from "./group.ts";
import {
  dailyTail,
  groupFrame,
  keysOutside,
  mergeParts,
  partPath,
  rowCount,
  smallGroupFrames,
  writePartAsync,
} from "./parquet.ts";
import type {
  GatheredRows,
  MergeRequest,
  MergeResponse,
  PieceResult,
  TaskRequest,
  WorkerResponse,
  WrittenPart,
} from "./types.ts";

/** Read `[start, start + len)` of a file into `buf` (from offset 0); returns the bytes read. */
function readInto(path: string, start: number, len: number, buf: Uint8Array): number {
  const fd = openSync(path, "r");
  try {
    let off = 0;
    while (off < len) {
      const n = readSync(fd, buf, off, len - off, start + off);
      if (n <= 0) break;
      off += n;
    }
    return off;
  } finally {
    closeSync(fd);
  }
}

/** Read `[start, end)` of a file into a fresh buffer (one spare byte for the parser's sentinel). */
export function readRange(path: string, start: number, end: number): Uint8Array {
  const buf = new Uint8Array(end - start + 1);
  return buf.subarray(0, readInto(path, start, end - start, buf));
}

// One read buffer and one column builder per worker, reused file after file: fresh multi-MB
// allocations per file cost more in page faults than the parsing itself.
let scratch = new Uint8Array(1 << 20);
let reusable: BarColumnsBuilder | null = null;

/** Read `[start, end)` into the worker's reusable buffer (valid until the next call). */
function readShared(path: string, start: number, end: number): Uint8Array {
  const len = end - start;
  if (scratch.length < len + 1) scratch = new Uint8Array(Math.max(len + 1, scratch.length * 2));
  return scratch.subarray(0, readInto(path, start, len, scratch));
}

/** A regular file's stat; a FIFO or device would block or never end: refused with one line. */
function regularStat(path: string): Stats {
  const st = statSync(path);
  if (!st.isFile()) throw ioError(`${describeNonRegular(st)}, not a regular file; refusing to read it`);
  return st;
}

/** A whole regular file. */
function readWhole(path: string): Uint8Array {
  return readShared(path, 0, regularStat(path).size);
}

/** The bytes of a binary data file that its header promises (see dataBytesWanted). */
function readDataFile(path: string, fields: number): { bytes: Uint8Array; size: number } {
  const st = regularStat(path);
  const head = new Uint8Array(4);
  const got = readInto(path, 0, Math.min(4, st.size), head);
  const want = dataBytesWanted(head.subarray(0, got), st.size, fieldOffsets(fields).recordLength);
  return { bytes: readShared(path, 0, want), size: st.size };
}

/** Column buffers handed back by the consumer (parse-only mode), reused instead of fresh memory. */
const spare: BarColumns[] = [];
export function recycleColumns(c: BarColumns): void {
  if (spare.length < 4) spare.push(c);
}
function columnsBuilder(capacity: number): BarColumnsBuilder {
  const i = spare.findIndex((c) => c.open.buffer.byteLength / 8 >= capacity);
  if (i >= 0) return BarColumnsBuilder.fromBuffers(spare.splice(i, 1)[0]!);
  return new BarColumnsBuilder(capacity);
}

function writeBuilder(): BarColumnsBuilder {
  if (!reusable) reusable = new BarColumnsBuilder(1 << 16);
  reusable.reset();
  return reusable;
}

/** Release the polars frames written so far (see releasePolarsFrames), and restart the counts. */
async function releaseNative(): Promise<void> {
  await releasePolarsFrames();
  rowsSinceRelease = 0;
  framesSinceRelease = 0;
}
/**
 * A collection per written frame costs ~2 ms; one per this many rows (~18 frames of a typical
 * daily history) keeps at most ~100 MB of frames waiting for their finalizers per worker. Peak
 * RSS of the 29M-row bench stays ~230 MB; at 256k rows the collections took ~4 % of the CPU.
 */
const RELEASE_EVERY_ROWS = 1024 * 1024;
/** …and one per this many frames: a daily all-symbol file writes thousands of one-row frames. */
const RELEASE_EVERY_FRAMES = 2048;
let rowsSinceRelease = 0;
let framesSinceRelease = 0;
/** Folders this worker already created in the staging tree (one mkdir per folder). */
const madeDirs = new Set<string>();

/**
 * Create a symbol folder: its parent (the period folder) once, recursively, then one plain mkdir
 * per symbol — a recursive mkdir stats every level, ~3× the cost on a busy disk, per symbol.
 */
function ensureDir(dir: string): void {
  if (madeDirs.has(dir)) return;
  const parent = dirname(dir);
  if (!madeDirs.has(parent)) {
    mkdirSync(parent, { recursive: true });
    madeDirs.add(parent);
  }
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  madeDirs.add(dir);
}
/**
 * A task's files accumulate in the builder up to this many rows before their groups are written:
 * one part per symbol per flush instead of one per symbol per file (250 daily files × 20,000
 * symbols would be 5M parts otherwise), and many small per-symbol files share one frame.
 */
const FLUSH_ROWS = 1 << 19;
/**
 * Long series (≥ SMALL_GROUP_ROWS rows per symbol on average) are flushed from this many rows on:
 * their parts are large anyway, and an early flush lets the write overlap the next files' parse.
 */
const OVERLAP_ROWS = 1 << 16;

function flushDue(out: BarColumnsBuilder): boolean {
  return (
    out.length >= FLUSH_ROWS ||
    (out.length >= OVERLAP_ROWS && out.length >= out.symbols.length * SMALL_GROUP_ROWS)
  );
}
/** A flush of at least this many groups slices them from one frame (see smallGroupFrames). */
const SLICED_GROUPS_MIN = 4;
/** Groups of up to this many rows are "small": sliced from one frame, and their writes overlap
 * (their cost is mostly per-file latency)… */
const SMALL_GROUP_ROWS = 1024;
/** …this many in flight per worker. */
const SMALL_WRITES_IN_FLIGHT = 4;

export async function runTask(
  req: TaskRequest,
): Promise<{ response: WorkerResponse; transfer: ArrayBuffer[] }> {
  const { task, sink } = req;
  const pieces: PieceResult[] = [];
  const parts: WrittenPart[] = [];
  let stopped = false;
  // A batch shares one builder; write mode flushes per piece so memory stays at one file's worth.
  // Columns mode keeps the whole task in one builder: size it from the input bytes (~45 B/row).
  const taskBytes = task.kind === "ascii" ? task.files.reduce((a, f) => a + (f.end - f.start), 0) : 0;
  let out = sink.mode === "columns" ? columnsBuilder(Math.ceil(taskBytes / 45) + 1024) : writeBuilder();
  const sources: { from: number; to: number; source: string; priority: number }[] = [];
  // A gathered task brings its rows' sources along (rows of one symbol from many files).
  const given = task.kind === "gathered" ? task.rows : null;
  let handBack: GatheredRows | undefined;
  const loose = { duplicates: 0, unordered: 0 };

  // The writes in flight (each resolves to its error, if any): at most `keep - 1` stay pending
  // when the next one starts (one for large frames, a few for tiny ones, whose cost is mostly
  // per-file latency), and all are awaited before the task reports its parts, so every reported
  // part is complete on disk.
  const inFlight: Promise<unknown>[] = [];
  const settleWrite = async (keep = 0): Promise<void> => {
    while (inFlight.length > 0 && inFlight.length >= keep) {
      const err = await inFlight.shift();
      if (err) throw err;
    }
  };

  const flush = async (tag: string, final: boolean): Promise<void> => {
    if (sink.mode !== "write") return;
    if (out.length === 0) {
      sources.length = 0; // a piece without rows: nothing to write, and its source must not leak
      return;
    }
    // Several files in the builder (a task's files accumulate): each row's source, and per group
    // the one source of its rows (a literal) or -1 (a column: a symbol from several files).
    const rowSource = given?.rowSource ?? (sources.length > 1 ? sourceOfRows(sources, out.length) : null);
    const table = given?.sources ?? sources;
    if (sink.transpose && !given && tinyGroups(out)) {
      // Thousands of symbols with a few rows each (daily all-symbol files): writing them here
      // would give every symbol one tiny part per task. Keep reading (the task is bounded), then
      // hand the rows back to be gathered per symbol across all tasks (see transpose.ts).
      if (!final) return;
      handBack = {
        columns: {
          length: out.length,
          symbols: out.symbols.slice(),
          ...mapBarArrays(out, (a) => a.slice(0, out.length) as typeof a),
        },
        rowSource: rowSource ?? new Int32Array(out.length),
        sources: sources.map((x) => ({ source: x.source, priority: x.priority })),
      };
      out = writeBuilder();
      sources.length = 0;
      return;
    }
    const groups = groupRows(out);
    const groupSources = groups.map((g) => (rowSource ? groupSource(g, rowSource) : { single: 0, first: 0 }));
    let perRow: string[] | null = null;
    const sourceOf = (j: number): string | readonly string[] => {
      const x = groupSources[j]!;
      if (x.single >= 0) return table[x.single]!.source;
      perRow ??= Array.from(rowSource!, (i) => table[i]!.source);
      return perRow;
    };
    // Several groups: frames sliced from one gathered DataFrame (see smallGroupFrames).
    // (Small groups only: for long series building each frame costs little next to writing it,
    // and gathering would copy every row once more.)
    const sliced =
      groups.length >= SLICED_GROUPS_MIN && out.length <= groups.length * SMALL_GROUP_ROWS
        ? smallGroupFrames(
            out,
            groups,
            out.symbols,
            groupSources.map((x) => x.single),
            rowSource,
            table.map((x) => x.source),
          )
        : null;
    // Every folder first, in one go: a mkdir between Parquet writes waits on the filesystem
    // journal those writes keep busy (~1.6 ms instead of ~0.1 ms each on ext4).
    const paths = groups.map((g, j) =>
      partPath(
        sink.stagingRoot!,
        String.fromCharCode(g.period),
        out.symbols[g.symbolId]!,
        `part-${tag}-${j}`,
      ),
    );
    if (paths.some((p) => !madeDirs.has(dirname(p)))) {
      await settleWrite();
      for (const p of paths) ensureDir(dirname(p));
    }
    let k = 0;
    for (const g of groups) {
      const symbol = out.symbols[g.symbolId]!;
      const period = String.fromCharCode(g.period);
      const first = table[groupSources[k]!.first]!;
      const path = paths[k++]!;
      // The frame owns copies of its columns, so the builder is free for the next file as soon as
      // it is built: one write stays in flight while this thread parses on.
      const df = sliced ? sliced[k - 1]! : groupFrame(out, g, symbol, sourceOf(k - 1));
      await settleWrite(g.rows <= SMALL_GROUP_ROWS ? SMALL_WRITES_IN_FLIGHT : 1);
      inFlight.push(
        writePartAsync(df, path, {
          compression: sink.compression ?? "zstd",
          compressionLevel: sink.compressionLevel,
          csv: sink.csv ?? false,
          durable: sink.durable ?? true,
          dirReady: true,
          staged: true,
        }).then(
          () => null,
          (e: unknown) => e,
        ),
      );
      parts.push({
        period,
        symbol,
        path,
        rows: g.rows,
        minKey: g.minKey,
        maxKey: g.maxKey,
        priority: first.priority,
      });
      const piece = pieces[pieces.length - 1];
      const counts = piece ?? loose;
      counts.duplicates += g.duplicates;
      counts.unordered += g.unordered;
      rowsSinceRelease += g.rows;
      framesSinceRelease++;
      if (rowsSinceRelease >= RELEASE_EVERY_ROWS || framesSinceRelease >= RELEASE_EVERY_FRAMES)
        await releaseNative();
    }
    out = writeBuilder();
    sources.length = 0;
  };

  // A piece that cannot be parsed at all gets one error; true when --strict stops the task there.
  const failPiece = (result: PieceResult, line: number, reason: string): boolean => {
    result.errors.push({ line, reason });
    result.errorCount++;
    return req.strict;
  };

  if (task.kind === "ascii") {
    for (const f of task.files) {
      const result = emptyPiece(f.path, f.piece, f.start, f.end - f.start);
      pieces.push(result);
      let bytes: Uint8Array;
      try {
        bytes =
          f.start === 0 && f.layout === undefined ? readWhole(f.path) : readShared(f.path, f.start, f.end);
      } catch (e) {
        if (failPiece(result, 0, `cannot read: ${(e as Error).message}`)) {
          stopped = true;
          break;
        }
        continue;
      }
      result.bytes = bytes.length;
      if (crOnlyLines(bytes)) {
        // Old Mac exports end lines with CR alone: read them as lines (same length, in place).
        for (let k = 0; k < bytes.length; k++) if (bytes[k] === 0x0d) bytes[k] = 0x0a;
        result.warnings.push("carriage-return-only line endings (old Mac format); read as lines");
      }
      let layout = f.layout;
      let dataStart = 0;
      let linesBefore = 0;
      if (!layout) {
        const d = detectLayout(bytes);
        if (!d) {
          if (
            failPiece(result, 1, "not a MetaStock ASCII file: no header or data row in the first 50 lines")
          ) {
            stopped = true;
            break;
          }
          continue;
        }
        layout = d.layout;
        dataStart = d.dataStart;
        linesBefore = d.linesBefore;
      }
      const before = out.length;
      const r = parseAsciiRange(bytes, dataStart, bytes.length, layout, out, {
        defaultSymbol: symbolFromFileName(basename(f.path)),
        strict: req.strict,
        maxErrors: req.maxErrors,
      });
      sources.push({ from: before, to: out.length, source: f.path, priority: f.priority });
      flagPiece(result, out, before);
      result.lines = r.lines + linesBefore;
      if (r.encoding) result.warnings.push(`not valid UTF-8: text decoded as ${r.encoding}`);
      if (r.descending > 0 || r.repeated > 0) {
        const fix = (l: number) => (l > 0 ? l + linesBefore : 0);
        result.order = {
          descending: r.descending,
          firstDescendingLine: fix(r.firstDescendingLine),
          repeated: r.repeated,
          firstRepeatedLine: fix(r.firstRepeatedLine),
        };
      }
      result.rows = r.rows;
      result.errorCount += r.errorCount;
      result.skipped += r.errorCount;
      for (const e of r.errors) result.errors.push({ line: e.line + linesBefore, reason: e.reason });
      if (r.stopped && req.strict) {
        stopped = true;
        break;
      }
      // The task's files accumulate (see FLUSH_ROWS): one part per symbol per flush.
      if (flushDue(out)) await flush(`${task.id}-${f.piece}-${pieces.length - 1}`, false);
    }
    if (!stopped) await flush(`${task.id}-rest`, true);
  } else if (task.kind === "gathered") {
    out = builderOf(task.rows.columns);
    await flush(`g${task.id}`, true);
  } else {
    for (const item of task.items) {
      const result = emptyPiece(item.path, 0, 0, 0);
      pieces.push(result);
      let bytes: Uint8Array;
      let fileSize = 0;
      try {
        ({ bytes, size: fileSize } = readDataFile(item.path, item.fields));
      } catch (e) {
        if (failPiece(result, 0, `cannot read: ${(e as Error).message}`)) {
          stopped = true;
          break;
        }
        continue;
      }
      result.bytes = bytes.length;
      const before = out.length;
      const r = decodeDataFile(bytes, item.fields, out, out.symbolId(item.symbol), item.period, fileSize);
      sources.push({ from: before, to: out.length, source: item.path, priority: item.priority });
      flagPiece(result, out, before);
      result.rows = r.rows;
      result.lines = r.rows;
      result.warnings.push(...r.warnings);
      // Truncation and invalid records lose data: errors (record number as the line).
      const short = indexShortfall(item.lastDate, r);
      if (short) r.errors.push({ record: 0, reason: short });
      for (const e of r.errors)
        if (result.errors.length < req.maxErrors) result.errors.push({ line: e.record, reason: e.reason });
      result.errorCount += r.skipped + r.errors.filter((e) => e.record === 0).length;
      result.skipped += r.skipped;
      if (req.strict && result.errorCount > 0) {
        stopped = true;
        break;
      }
      if (flushDue(out)) await flush(`${task.id}-${pieces.length - 1}`, false);
    }
    if (!stopped) await flush(`${task.id}-rest`, true);
  }

  await settleWrite();
  if (sink.mode === "columns" && !stopped) {
    const columns = shareColumns(out);
    return {
      response: { type: "done", taskId: task.id, pieces, parts, columns, stopped },
      transfer: columnBuffers(columns),
    };
  }
  const response: WorkerResponse = { type: "done", taskId: task.id, pieces, parts, stopped };
  if (given) Object.assign(response, loose);
  if (handBack) {
    response.gathered = handBack;
    return {
      response,
      transfer: [...columnBuffers(handBack.columns), handBack.rowSource.buffer as ArrayBuffer],
    };
  }
  return { response, transfer: [] };
}

/**
 * Many symbols with only a few rows each in the builder: its groups are worth gathering across
 * tasks (one part per symbol) rather than writing one tiny part per symbol per task.
 */
const TRANSPOSE_MIN_SYMBOLS = 256;
const TRANSPOSE_MAX_ROWS_PER_SYMBOL = 64;
function tinyGroups(out: BarColumnsBuilder): boolean {
  const n = out.symbols.length;
  return n >= TRANSPOSE_MIN_SYMBOLS && out.length <= n * TRANSPOSE_MAX_ROWS_PER_SYMBOL;
}

/** A builder over gathered columns (their buffers become the builder's). */
function builderOf(c: BarColumns): BarColumnsBuilder {
  const b = BarColumnsBuilder.fromBuffers(c);
  for (const s of c.symbols) b.symbolId(s);
  b.length = c.length;
  return b;
}

/** Beyond this many files per (period, symbol), an import compacts them into one. */
export const MAX_APPENDED_PARTS = 16;

/**
 * One per-symbol merge, then its frames released (see releaseNative): a merge loads the symbol's
 * whole series several times over (read, concat, unique, sort), and the worker's JS heap stays too
 * small for a collection to come by itself — 50 merges of 57k-row series held ~700 MB of finished
 * frames until the import ended, the peak of a full demo run.
 */
export async function runMerge(req: MergeRequest): Promise<MergeResponse> {
  const res = mergeSymbol(req);
  await releaseNative();
  return res;
}

function mergeSymbol(req: MergeRequest): MergeResponse {
  const o = {
    compression: req.compression,
    compressionLevel: req.compressionLevel,
    csv: req.csv,
    durable: req.durable,
  };
  const dir = dirname(req.target);
  // The daily case: the new sessions join the symbol's daily part (see `dailyTail`), so a daily
  // import neither adds a file per day nor, after MAX_APPENDED_PARTS days, rewrites the history.
  const tail = req.appendable ? dailyTail(req.existing) : null;
  const tailCsv = tail?.replace(/\.parquet$/, ".csv");
  const useTail = tail !== null && (req.csv || !existsSync(tailCsv!));
  if (
    req.appendable &&
    req.existing.length > 0 &&
    req.existing.length + (useTail ? 0 : req.parts.length) <= MAX_APPENDED_PARTS &&
    // Files from before the Categorical text columns are rewritten (merged), never mixed in.
    req.existing.every(isStoredBarsFile)
  ) {
    if (req.existing.every((f) => keysOutside(f, req.newMinKey, req.newMaxKey))) {
      // Keep the previous files (hard links into the new tree) and move the new parts beside them.
      mkdirSync(dir, { recursive: true });
      const taken = new Set<string>();
      for (const f of req.existing) {
        if (useTail && f === tail) continue;
        const name = basename(f);
        linkOrCopy(f, join(dir, name));
        const csvFile = f.replace(/\.parquet$/, ".csv");
        if (existsSync(csvFile)) linkOrCopy(csvFile, join(dir, basename(csvFile)));
        taken.add(name);
      }
      let newRows = 0;
      if (useTail) {
        // Disjoint from it (checked above): the daily part plus the new rows, written anew.
        const m = mergeParts(req.parts, [tail], join(dir, basename(tail)), o);
        for (const p of req.parts) {
          rmSync(p, { force: true });
          rmSync(p.replace(/\.parquet$/, ".csv"), { force: true });
        }
        taken.add(basename(tail));
        newRows = m.newRows;
      } else {
        let k = 0;
        for (const p of req.parts) {
          while (taken.has(`part-${k}.parquet`)) k++;
          const target = join(dir, `part-${k}.parquet`);
          taken.add(`part-${k}.parquet`);
          renameSync(p, target);
          const csvPart = p.replace(/\.parquet$/, ".csv");
          if (req.csv && existsSync(csvPart)) renameSync(csvPart, target.replace(/\.parquet$/, ".csv"));
          newRows += rowCount(target);
        }
      }
      return {
        type: "merged",
        id: req.id,
        files: taken.size,
        appended: true,
        rows: newRows,
        newRows,
        duplicates: 0,
        replaced: 0,
      };
    }
  }
  const r = mergeParts(req.parts, req.existing, req.target, o);
  for (const p of req.parts) {
    rmSync(p, { force: true });
    rmSync(p.replace(/\.parquet$/, ".csv"), { force: true });
  }
  return { type: "merged", id: req.id, files: 1, appended: false, ...r };
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Index into `sources` of every row of the builder. */
function sourceOfRows(sources: readonly { from: number; to: number }[], length: number): Int32Array {
  const out = new Int32Array(length);
  sources.forEach((s, i) => {
    out.fill(i, s.from, s.to);
  });
  return out;
}

/** The source of a group's rows: `single` ≥ 0 when all come from one; `first` = the best (lowest). */
function groupSource(g: RowGroup, rowSource: Int32Array): { single: number; first: number } {
  let lo = Number.MAX_SAFE_INTEGER;
  let hi = -1;
  for (let j = g.start; j < g.end; j++) {
    const s = rowSource[g.index ? g.index[j]! : j]!;
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  return { single: lo === hi ? lo : -1, first: lo };
}

/** No LF in the first 64 KB but a CR: a file with CR-only line endings. */
export function crOnlyLines(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 65536);
  return head.indexOf(0x0a) < 0 && head.indexOf(0x0d) >= 0;
}

/** A piece's result before anything was read: counters at zero, no errors. */
function emptyPiece(path: string, piece: number, start: number, bytes: number): PieceResult {
  return {
    path,
    piece,
    start,
    bytes,
    lines: 0,
    rows: 0,
    errors: [],
    errorCount: 0,
    warnings: [],
    unordered: 0,
    duplicates: 0,
    skipped: 0,
    flagged: 0,
  };
}

/** Count the piece's unusable-price rows [from, out.length) and name the first in a warning. */
function flagPiece(result: PieceResult, out: BarColumnsBuilder, from: number): void {
  const f = flagRows(out, from, out.length);
  if (f.count === 0) return;
  result.flagged += f.count;
  result.warnings.push(
    `${f.count} rows with unusable prices kept and flagged (statistics skip them); first ${f.first}`,
  );
}
