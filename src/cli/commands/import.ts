/**
 * `ttapi import <file|dir|glob>... --out DIR`: MetaStock ASCII/binary → the bars Parquet dataset.
 * Flags only; the work is `importBars` in src/platform/import.
 */
import { defineCommand } from "citty";
import type { Compression } from "../../core/compression.ts";
import { dataError, type TTError, toTTError, usageError } from "../../core/errors.ts";
import { escapeControl } from "../../core/input-file.ts";
import { upToDateFolders } from "../../core/lake-root.ts";
import type { ImportError, ImportSummary } from "../../platform/import/index.ts";
import { globalArgs, lakeArgs, runAction } from "../context.ts";
import { countOf, rateOf } from "../grid/render.ts";

export default defineCommand({
  meta: {
    name: "import",
    description:
      "import MetaStock ASCII/CSV files and binary databases (MASTER/EMASTER/XMASTER) into DIR/bars as Parquet",
  },
  args: {
    ...globalArgs,
    ...lakeArgs,
    inputs: {
      type: "positional",
      description: "files, folders or quoted globs to import",
      required: true,
      valueHint: "PATH",
    },
    out: {
      type: "string",
      alias: "o",
      description:
        "dataset root: bars land in DIR/bars/period=P/symbol=S/*.parquet (default: <data-dir>/lake)",
      valueHint: "DIR",
    },
    strict: { type: "boolean", description: "stop at the first malformed row, write nothing, exit non-zero" },
    csv: { type: "boolean", description: "also write a CSV mirror next to every Parquet file" },
    json: { type: "boolean", description: "print a JSON summary on stdout" },
    compression: {
      type: "string",
      description: "Parquet compression: zstd (default) | snappy | none",
      valueHint: "CODEC",
    },
    "compression-level": {
      type: "string",
      description: "zstd level, 1 (default, fastest) … 22 (smallest)",
      valueHint: "N",
    },
    workers: { type: "string", description: "parse workers (default: one per core)", valueHint: "N" },
    replace: {
      type: "boolean",
      description: "replace the whole existing dataset instead of merging into it",
    },
    "ignore-emaster": {
      type: "boolean",
      description: "ignore EMASTER files (for databases with a broken EMASTER)",
    },
  },
  run: ({ args }) =>
    runAction(
      "import",
      args,
      async ({ config, dataDir, lake, signal }) => {
        const inputs = (args._ as string[] | undefined)?.length
          ? (args._ as string[])
          : [args.inputs as string];
        // Default: the data directory's lake, the dataset `ttapi run` and `ttapi stats` use too.
        const lakeMod = await import("../../platform/lake/index.ts");
        const { migrateDataDir } = await import("../../platform/pipeline/index.ts");
        const target = (args.out as string | undefined) || lake;
        if (!args.out) await migrateDataDir(dataDir);
        // An s3:// target: the import runs into a local mirror of the bucket's bars (brought up to
        // date first, so the import merges into them as locally), then each changed symbol folder
        // goes to the bucket as one object.
        const s3Root = lakeMod.isS3Root(target)
          ? lakeMod.registerS3Root(target, lakeMod.s3ConnectionFromConfig(config))
          : null;
        const outDir = s3Root ? lakeMod.s3MirrorDir(dataDir, s3Root) : upToDateFolders(target);
        if (s3Root && !args.replace) await lakeMod.syncBarsDown(s3Root, outDir);
        const compression = config["import.compression"] as Compression;
        const workers = config["import.workers"];
        if (!Number.isInteger(workers) || workers < 0)
          throw usageError(`--workers must be a non-negative integer, got ${args.workers}`);
        const levelArg = args["compression-level"] as string | undefined;
        const compressionLevel = levelArg === undefined ? undefined : Number(levelArg);
        if (
          compressionLevel !== undefined &&
          !(Number.isInteger(compressionLevel) && compressionLevel >= 1 && compressionLevel <= 22)
        ) {
          throw usageError(`--compression-level must be an integer from 1 to 22, got ${levelArg}`);
        }
        const { importBars } = await import("../../platform/import/index.ts");
        const tty = process.stderr.isTTY && !args.json && !args.quiet;
        let lastDraw = 0;
        let summary: ImportSummary;
        try {
          summary = await importBars({
            inputs,
            outDir,
            strict: Boolean(args.strict),
            csv: Boolean(args.csv),
            compression,
            compressionLevel,
            workers,
            replace: Boolean(args.replace),
            ignoreEmaster: Boolean(args["ignore-emaster"]),
            signal,
            onProgress: tty
              ? (p) => {
                  const now = performance.now();
                  if (now - lastDraw < 100 && p.phase === "parse") return;
                  lastDraw = now;
                  const mb = (p.bytes / 1e6).toFixed(1);
                  const total = (p.totalBytes / 1e6).toFixed(1);
                  const rate = rateOf(p.rows, p.elapsedSeconds, "rows");
                  process.stderr.write(
                    `\r\x1b[2Kimport ${p.phase}: ${mb}/${total} MB, ${p.rows.toLocaleString("en-US")} rows${rate ? `, ${rate}` : ""}, ${p.files}/${countOf(p.totalFiles, "files")}`,
                  );
                }
              : undefined,
          });
        } catch (e) {
          // Scripts parse stdout on every outcome: the summary says what failed, then the usual
          // error line goes to stderr and the exit code says how.
          if (args.json) printJson(failedSummary(s3Root ?? outDir), toTTError(e));
          throw e;
        }
        if (tty) process.stderr.write("\r\x1b[2K");
        let up: Awaited<ReturnType<typeof lakeMod.syncBarsUp>> | undefined;
        if (s3Root && summary.rows > 0) {
          up = await lakeMod.syncBarsUp(outDir, s3Root, { deleteMissing: Boolean(args.replace) });
          if (!args.quiet && !args.json)
            process.stderr.write(
              `sent ${up.folders} symbol folders (${(up.bytes / 1e6).toFixed(1)} MB, ${up.requests} requests) to ${s3Root}; ${up.unchanged} unchanged, ${up.removed} objects removed\n`,
            );
        }
        if (s3Root) summary.outDir = s3Root;
        // No input yielded a row: a failure (a file that is not MetaStock at all, an empty database).
        const nothing =
          summary.rows === 0
            ? dataError(
                `nothing imported: no input yielded a row${summary.errors[0] ? ` (${describe(summary.errors[0])})` : ""}`,
                {
                  hint: "check the inputs are MetaStock ASCII files or database folders (see the errors above)",
                },
              )
            : null;
        if (args.json) {
          printJson(summary, nothing, up);
        } else if (!args.quiet) {
          const shown = 10;
          for (const e of summary.errors.slice(0, shown))
            process.stderr.write(
              escapeControl(`  skipped ${e.file}${e.line ? `:${e.line}` : ""}: ${e.reason}`) + "\n",
            );
          if (summary.errorCount > shown)
            process.stderr.write(
              `  … and ${summary.errorCount - shown} more problems (use --json for the first 100)\n`,
            );
          for (const w of summary.warnings.slice(0, shown))
            process.stderr.write(`  warning: ${escapeControl(w)}\n`);
          process.stderr.write(
            `imported ${countOf(summary.rows, "rows").replace(/^\d+/, summary.rows.toLocaleString("en-US"))} (${countOf(summary.symbols, "symbols")}) from ${countOf(summary.files, "files")} in ${summary.seconds.toFixed(2)} s` +
              `${rateOf(summary.rows, summary.seconds, "rows") ? ` (${rateOf(summary.rows, summary.seconds, "rows")})` : ""}: ${countOf(summary.duplicates, "duplicates")} removed, ${countOf(summary.skipped, "bad rows")} skipped` +
              `${summary.flagged ? `, ${countOf(summary.flagged, "rows")} with unusable prices flagged` : ""}` +
              `${summary.derivedSymbols ? `, ${countOf(summary.derivedSymbols, "symbols")} derived from names (blank symbol field)` : ""} → ${summary.outDir}/bars\n`,
          );
        }
        if (nothing) throw nothing;
        return 0;
      },
      { compression: "import.compression", workers: "import.workers" },
    ),
});

function describe(e: ImportError): string {
  return `${e.file}${e.line ? `:${e.line}` : ""}: ${e.reason}`;
}

/** The summary of an import that failed before it produced one. */
function failedSummary(outDir: string): ImportSummary {
  return {
    files: 0,
    rows: 0,
    duplicates: 0,
    skipped: 0,
    errors: [],
    errorCount: 0,
    warnings: [],
    seconds: 0,
    bytes: 0,
    symbols: 0,
    flagged: 0,
    derivedSymbols: 0,
    parquetFiles: 0,
    outDir,
  };
}

/** The `--json` summary; `error` (the failure, if any) makes `ok` false. */
function printJson(s: ImportSummary, error: TTError | null, s3?: unknown): void {
  const { files, rows, duplicates, skipped, errors, seconds } = s;
  const out = {
    ok: error === null,
    files,
    rows,
    duplicates,
    skipped,
    flagged: s.flagged,
    derivedSymbols: s.derivedSymbols,
    errors,
    seconds,
    errorCount: s.errorCount,
    warnings: s.warnings,
    symbols: s.symbols,
    outDir: s.outDir,
    ...(s3 ? { s3 } : {}),
    ...(error ? { error: { code: error.code, message: error.message, hint: error.hint ?? null } } : {}),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
