/**
 * The import engine's public options/summary and the messages exchanged with parse workers.
 * Worker messages carry only plain data and typed-array buffers (transferred, not copied).
 */

import type { BarColumns } from "../../core/bars.ts";
import type { Compression } from "../../core/compression.ts";
import type { AsciiLayout } from "../../metastock/index.ts";

export interface ImportProgress {
  /** Input bytes parsed so far / in total. */
  bytes: number;
  totalBytes: number;
  /** Rows parsed so far (before duplicate removal). */
  rows: number;
  files: number;
  totalFiles: number;
  elapsedSeconds: number;
  phase: "parse" | "merge" | "commit";
}

export interface ImportOptions {
  /** Files, folders (recursed) and globs; MetaStock binary folders are detected by their MASTER/EMASTER/XMASTER. */
  inputs: readonly string[];
  /** Dataset root: bars land in `<outDir>/bars/period=<P>/symbol=<ENC>/part-*.parquet`. */
  outDir: string;
  /** Stop at the first malformed row, exit non-zero, write nothing. */
  strict?: boolean;
  /** Also write a CSV mirror next to every Parquet file. */
  csv?: boolean;
  compression?: Compression;
  /** zstd level (1 = fastest, default; up to 22 for smaller files). */
  compressionLevel?: number;
  /** Parse workers (0/undefined = one per core). */
  workers?: number;
  /**
   * Replace the whole existing dataset instead of merging into it. Default (merge): symbols absent
   * from this import keep their previous files; symbols present are merged with the previous rows,
   * the new rows winning on duplicates.
   */
  replace?: boolean;
  /** Ignore EMASTER files (for folders whose EMASTER is known to be broken). */
  ignoreEmaster?: boolean;
  /** Error details kept in the summary (all are counted). Default 100. */
  maxErrors?: number;
  /** fsync every written file before the final swap (default true). */
  durable?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  /** Work-splitting knobs (tests use small chunks to exercise file splitting). */
  tuning?: {
    chunkBytes?: number;
    batchBytes?: number;
    batchFiles?: number;
    binaryBatch?: number;
    /** Rows of many-tiny-group files gathered before a write round (see transpose.ts). */
    transposeRows?: number;
  };
}

export interface ImportError {
  file: string;
  /** 1-based line (ASCII) or record number (binary); 0 for file-level problems. */
  line: number;
  reason: string;
}

export interface ImportSummary {
  files: number;
  /** Rows in the written dataset from this import (after duplicate removal). */
  rows: number;
  duplicates: number;
  /** Malformed rows/records skipped. */
  skipped: number;
  /** The first `maxErrors` problems (skipped rows, unreadable/corrupt files). */
  errors: ImportError[];
  errorCount: number;
  /** Non-fatal notices: inconsistent EMASTER, trailing bytes, unordered rows… */
  warnings: string[];
  seconds: number;
  bytes: number;
  symbols: number;
  /**
   * Rows kept as the source has them but unusable as prices: a non-finite or non-positive
   * open/high/low/close, or high/low not bracketing open and close. Statistics skip them (their
   * invalid-bar flags); each file with such rows is named in `warnings`.
   */
  flagged: number;
  /** Binary securities whose blank symbol field was replaced by a derived symbol (see README). */
  derivedSymbols: number;
  parquetFiles: number;
  outDir: string;
}

/** One unit of parse work. ASCII tasks cover whole small files or a line-aligned byte range. */
export type ParseTask =
  | {
      kind: "ascii";
      id: number;
      files: AsciiPiece[];
    }
  | {
      kind: "binary";
      id: number;
      /** Folder of the database (for `source` and error messages). */
      dir: string;
      items: BinaryItem[];
    }
  | {
      /** Rows parsed earlier, gathered by (period, symbol) on the main thread: write them. */
      kind: "gathered";
      id: number;
      rows: GatheredRows;
    };

/**
 * Parsed rows with their sources: what a worker hands back instead of writing a flush made of
 * many tiny groups (a daily all-symbol file), and what the main thread sends back to be written
 * once every file's rows of each symbol are together (see transpose.ts).
 */
export interface GatheredRows {
  columns: BarColumns;
  /** Per row: its index into `sources`. */
  rowSource: Int32Array;
  sources: { source: string; priority: number }[];
}

export interface AsciiPiece {
  path: string;
  /** Byte range; whole file when start = 0 and end = size. */
  start: number;
  end: number;
  /** Pre-detected layout for pieces of a split file; detected by the worker otherwise. */
  layout?: AsciiLayout;
  /** Lines before `start` are unknown for split pieces: errors are reported relative, fixed up later. */
  piece: number;
  priority: number;
}

export interface BinaryItem {
  path: string;
  symbol: string;
  period: string;
  fields: number;
  priority: number;
  /** Size on disk at planning time (the worker reads only what the header promises). */
  size: number;
  /** The index's last date (YYYYMMDD, 0 = none): fewer records than that is reported. */
  lastDate: number;
}

/** What the worker should do with parsed columns. */
export interface TaskSink {
  mode: "write" | "columns";
  /** Staging dataset root (write mode). */
  stagingRoot?: string;
  compression?: Compression;
  compressionLevel?: number;
  csv?: boolean;
  durable?: boolean;
  /** Hand flushes of many tiny groups back as `gathered` rows instead of writing them. */
  transpose?: boolean;
}

export type WorkerRequest =
  | {
      type: "task";
      task: ParseTask;
      sink: TaskSink;
      strict: boolean;
      maxErrors: number;
    }
  | {
      type: "merge";
      id: number;
      /** New parts, best priority first. */
      parts: string[];
      /** Files of the previous dataset for this (period, symbol), lowest priority. */
      existing: string[];
      target: string;
      /** New parts do not overlap each other (append to the previous files when those do not overlap either). */
      appendable: boolean;
      newMinKey: number;
      newMaxKey: number;
      compression: Compression;
      compressionLevel?: number;
      csv: boolean;
      durable: boolean;
    }
  | {
      /** Column buffers the consumer is done with, for the worker to fill again (no reply). */
      type: "recycle";
      columns: BarColumns;
    };

export type TaskRequest = Extract<WorkerRequest, { type: "task" }>;
export type MergeRequest = Extract<WorkerRequest, { type: "merge" }>;

export interface WrittenPart {
  period: string;
  symbol: string;
  path: string;
  rows: number;
  /** Smallest and largest (date, time) key in the part: date * 1e6 + time + 1. */
  minKey: number;
  maxKey: number;
  priority: number;
}

export interface PieceResult {
  path: string;
  piece: number;
  /** Byte offset of the piece in its file. */
  start: number;
  bytes: number;
  lines: number;
  rows: number;
  /** Errors with line numbers relative to the piece start (1-based), or record numbers. */
  errors: { line: number; reason: string }[];
  errorCount: number;
  warnings: string[];
  /** Rows that were not in ascending (date, time) order in this piece. */
  unordered: number;
  /** ASCII order report from the parser: lines relative to the piece (see ParseResult). */
  order?: { descending: number; firstDescendingLine: number; repeated: number; firstRepeatedLine: number };
  /** Duplicates removed inside this piece. */
  duplicates: number;
  /** Malformed rows/records skipped. */
  skipped: number;
  /** Rows kept but flagged as unusable prices (see ImportSummary.flagged). */
  flagged: number;
}

export interface MergeResponse {
  type: "merged";
  id: number;
  /** Parquet files now in the (period, symbol) folder. */
  files: number;
  /** True when the new parts were added beside the previous files instead of a rewrite. */
  appended: boolean;
  rows: number;
  newRows: number;
  duplicates: number;
  replaced: number;
  failure?: string;
}

export interface WorkerResponse {
  type: "done";
  taskId: number;
  pieces: PieceResult[];
  parts: WrittenPart[];
  /** Columns mode: the parsed columns (buffers transferred). */
  columns?: BarColumns;
  stopped: boolean;
  failure?: string;
  /** Rows handed back unwritten (sink.transpose): the main thread gathers them per symbol. */
  gathered?: GatheredRows;
  /** A gathered task (no pieces of its own): duplicates removed and rows that were out of order. */
  duplicates?: number;
  unordered?: number;
}
