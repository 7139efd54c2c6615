/**
 * `ttapi lake status` (tables, partitions, date range, rows, bytes; unreadable files with the fix),
 * `ttapi lake prune --before DATE [--table T]` and `ttapi lake compact [--table T]` over the data
 * directory's lake (`<data-dir>/lake`) or an `s3://` lake.
 */
import { defineCommand } from "citty";
import { ERROR_CODES, usageError } from "../../core/errors.ts";
import { globalArgs, lakeArgs, runAction } from "../context.ts";

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd()}\n`,
    );
}

/** The lake (`--lake`, lake.root, default `<data-dir>/lake`); the data directory is migrated first
 * if it is of an earlier version. */
async function openLake(dataDir: string, lake: string): Promise<string> {
  const { migrateDataDir } = await import("../../platform/pipeline/index.ts");
  await migrateDataDir(dataDir);
  return lake;
}

/** Unreadable files: one error line each (file, reason, fix); the rest was handled. */
function reportUnreadable(lines: readonly string[]): number {
  for (const l of lines) process.stderr.write(`ttapi: error E_DATA: ${l}\n`);
  return lines.length > 0 ? ERROR_CODES.E_DATA.exit : 0;
}

const status = defineCommand({
  meta: { name: "status", description: "tables, partitions, date range, rows and bytes; unreadable files" },
  args: {
    ...globalArgs,
    ...lakeArgs,
    json: { type: "boolean", description: "print one JSON document on stdout" },
  },
  run: ({ args }) =>
    runAction("lake.status", args, async ({ dataDir, lake }) => {
      const { lakeStatusAsync } = await import("../../platform/lake/index.ts");
      const s = await lakeStatusAsync(await openLake(dataDir, lake));
      if (args.json) {
        process.stdout.write(`${JSON.stringify(s)}\n`);
        return s.unreadable.length > 0 ? ERROR_CODES.E_DATA.exit : 0;
      }
      if (s.tables.every((t) => t.files === 0) && s.unreadable.length === 0) {
        process.stdout.write(`the lake ${s.root} is empty (run \`ttapi run\` or \`ttapi import\` first)\n`);
        return 0;
      }
      printTable([
        ["TABLE", "PARTITIONS", "FROM", "TO", "ROWS", "FILES", "SIZE"],
        ...s.tables.map((t) => [
          t.table,
          t.symbols !== undefined ? `${t.partitions} (${t.symbols} symbols)` : String(t.partitions),
          t.from ?? "-",
          t.to ?? "-",
          t.rows.toLocaleString("en-US"),
          String(t.files),
          bytes(t.bytes),
        ]),
      ]);
      process.stdout.write(`lake: ${s.root}\n`);
      return reportUnreadable(s.unreadable);
    }),
});

const prune = defineCommand({
  meta: {
    name: "prune",
    description: "remove history before a date (snapshot tables; bars only with --table bars)",
  },
  args: {
    ...globalArgs,
    ...lakeArgs,
    before: { type: "string", description: "keep partitions from this date on", valueHint: "YYYY-MM-DD" },
    table: { type: "string", description: "only these tables, comma-separated", valueHint: "T,…" },
    json: { type: "boolean", description: "print a JSON summary on stdout" },
  },
  run: ({ args }) =>
    runAction("lake.prune", args, async ({ dataDir, lake }) => {
      const { pruneLake, parseTables } = await import("../../platform/lake/index.ts");
      const { acquireRunLock } = await import("../../platform/index.ts");
      if (!args.before)
        throw usageError("--before DATE is required", { hint: "e.g. ttapi lake prune --before 2025-01-01" });
      const tables = parseTables(args.table as string | undefined);
      const { isS3Root, pruneLakeS3, s3MirrorDir } = await import("../../platform/lake/index.ts");
      const root = await openLake(dataDir, lake);
      const release = await acquireRunLock(dataDir, { what: "ttapi lake prune" });
      try {
        const r = isS3Root(root)
          ? await pruneLakeS3(root, String(args.before), tables, s3MirrorDir(dataDir, root))
          : pruneLake(root, String(args.before), tables);
        if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else
          for (const t of r.filter((x) => x.partitions > 0))
            process.stderr.write(
              `pruned ${t.table}: ${t.partitions} partition${t.partitions === 1 ? "" : "s"}, ${t.rows.toLocaleString("en-US")} rows, ${bytes(t.bytes)}\n`,
            );
        if (!args.json && r.every((x) => x.partitions === 0))
          process.stderr.write(`nothing before ${args.before} in ${root}\n`);
      } finally {
        release();
      }
      return 0;
    }),
});

const compact = defineCommand({
  meta: { name: "compact", description: "merge each partition's small files into one (atomically)" },
  args: {
    ...globalArgs,
    ...lakeArgs,
    table: { type: "string", description: "only these tables, comma-separated", valueHint: "T,…" },
    json: { type: "boolean", description: "print a JSON summary on stdout" },
  },
  run: ({ args }) =>
    runAction("lake.compact", args, async ({ dataDir, lake }) => {
      const { compactLake, compactLakeS3, isS3Root, lakeRoot, parseTables } = await import(
        "../../platform/lake/index.ts"
      );
      const { acquireRunLock } = await import("../../platform/index.ts");
      const tables = parseTables(args.table as string | undefined);
      const root = await openLake(dataDir, lake);
      const release = await acquireRunLock(dataDir, { what: "ttapi lake compact" });
      try {
        // On S3 the bars are compacted in the run's working copy and published one object per symbol.
        const s3 = isS3Root(root) ? await compactLakeS3(root, tables, lakeRoot(dataDir)) : undefined;
        const { results, unreadable } = s3 ?? compactLake(root, tables);
        if (args.json)
          process.stdout.write(
            `${JSON.stringify({ results, unreadable, ...(s3 ? { published: s3.published, alreadyOneObject: s3.alreadyOneObject } : {}) })}\n`,
          );
        else {
          for (const t of results.filter((x) => x.partitions > 0))
            process.stderr.write(
              `compacted ${t.table}: ${t.partitions} partition${t.partitions === 1 ? "" : "s"}, ${t.filesBefore} → ${t.filesAfter} files, ${t.rows.toLocaleString("en-US")} rows\n`,
            );
          if (s3?.published && s3.published.folders > 0)
            process.stderr.write(
              `published ${s3.published.folders} symbol folder${s3.published.folders === 1 ? "" : "s"} to ${root} (one object each, ${s3.published.removed} stray object${s3.published.removed === 1 ? "" : "s"} deleted)\n`,
            );
          if (s3 && s3.alreadyOneObject.length > 0)
            process.stderr.write(
              `${s3.alreadyOneObject.join(", ")}: every partition on S3 is already one object, nothing to compact\n`,
            );
          if (results.every((x) => x.partitions === 0))
            process.stderr.write(`nothing to compact in ${root}\n`);
        }
        return reportUnreadable(unreadable);
      } finally {
        release();
      }
    }),
});

export default defineCommand({
  meta: {
    name: "lake",
    description:
      "the user-facing dataset (<data-dir>/lake or lake.root, e.g. s3://bucket/prefix): status, prune, compact",
  },
  args: { ...globalArgs },
  subCommands: { status, prune, compact },
});
