/**
 * `ttapi sql "SELECT …"`: polars SQL over the lake's tables (README "The lake"). On a terminal the
 * result is an aligned table cut to the screen with the row count and how to export the rest;
 * `--csv`, `--json` (one object per row) and `--parquet FILE` export all of it. `--tables` lists
 * what the lake holds. `-v` names the files each query reads, so partition pruning is visible.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { defineCommand } from "citty";
import { ioError, usageError } from "../../core/errors.ts";
import type { LakeInventory, PreparedQuery } from "../../platform/query/index.ts";
import { cliState, globalArgs, runAction } from "../context.ts";
import { renderTable } from "../table/result-table.ts";

export interface OutStream {
  write(s: string | Uint8Array, done?: (err?: Error | null) => void): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export type OutputFormat = "table" | "csv" | "json" | "parquet";

/**
 * Write and wait until the stream took it: main.ts exits the process explicitly, and a pipe
 * (`ttapi sql --csv … | head`) still holding data at that moment would lose its tail.
 */
export function writeAll(out: OutStream, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(data, (err) => {
      // The reader went away (`ttapi sql … | head`): what it wanted it has; stop quietly.
      if (err && (err as NodeJS.ErrnoException).code !== "EPIPE") reject(err);
      else resolve();
    });
  });
}

const EXPORT_HINT = "export everything with --csv, --json or --parquet FILE";

/** Write the whole result, or on a terminal the rows that fit it. Returns the rows written/shown. */
export async function printResult(
  q: Pick<PreparedQuery, "frame" | "explain">,
  format: OutputFormat,
  out: OutStream,
  opts: { parquet?: string; lakeRoot?: string } = {},
): Promise<{ rows: number; total: number }> {
  // Loaded here, not at the top: `ttapi sql --help` loads this module and must not pay for polars.
  const { collectQuery } = await import("../../platform/query/index.ts");
  const run = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw q.explain(e);
    }
  };
  if (format === "parquet") {
    const target = resolve(opts.parquet!);
    if (opts.lakeRoot) {
      const rel = relative(resolve(opts.lakeRoot), target);
      if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel)))
        throw usageError(`--parquet ${opts.parquet}: inside the lake; queries never modify the lake`, {
          hint: "write the result somewhere else",
        });
    }
    const { atomicWrite } = await import("../../core/atomic.ts");
    await atomicWrite(target, (tmp) => {
      run(() => q.frame.sinkParquet(tmp, { compression: "zstd" }).collectSync());
    });
    const pl = (await import("nodejs-polars")).default;
    const rows = Number(
      pl.scanParquet(target).select(pl.len().alias("n")).collectSync().getColumn("n").get(0),
    );
    return { rows, total: rows };
  }
  if (format === "csv" || format === "json") {
    const df = run(() => collectQuery(q.frame));
    // polars' bytes go out as they are: decoding them to a string and encoding it again cost
    // ~10 ms for one symbol's 57,000 bars. polars writes `[]` for no rows only in some versions;
    // an empty result is an empty array.
    const bytes =
      format === "csv"
        ? df.writeCSV()
        : df.height === 0
          ? Buffer.from("[]")
          : df.writeJSON({ format: "json" });
    await writeAll(out, bytes);
    if (bytes.at(-1) !== 0x0a) await writeAll(out, "\n");
    return { rows: df.height, total: df.height };
  }
  if (!out.isTTY) {
    const df = run(() => collectQuery(q.frame));
    await writeAll(out, `${renderTable(df, df.height).join("\n")}\n`);
    return { rows: df.height, total: df.height };
  }
  // Terminal: fetch one row more than fits; count the rest only when there is more.
  const fitRows = Math.max(5, (out.rows ?? 24) - 4);
  const head = run(() => collectQuery(q.frame.limit(fitRows + 1)));
  let total = head.height;
  if (head.height > fitRows) {
    const pl = (await import("nodejs-polars")).default;
    total = Number(
      run(() => collectQuery(q.frame.select(pl.len().alias("n"))))
        .getColumn("n")
        .get(0),
    );
  }
  const lines = renderTable(head, total, { width: out.columns ?? 80, maxRows: fitRows }, EXPORT_HINT);
  await writeAll(out, `${lines.join("\n")}\n`);
  return { rows: Math.min(head.height, fitRows), total };
}

export function inventoryText(inv: LakeInventory): string {
  if (inv.tables.length === 0)
    return `the lake at ${inv.root} has no tables yet (ttapi run or ttapi import --out ${inv.root} fills it)\n`;
  const out: string[] = [];
  for (const t of inv.tables) {
    out.push(
      `${t.table}  ${t.rows.toLocaleString("en-US")} rows · ${t.partitions} partitions by ${t.partitionBy.join("/")} (${t.first} … ${t.last}) · ${t.files} files`,
    );
    const w = Math.max(...t.columns.map((c) => c.name.length));
    for (const c of t.columns)
      out.push(`  ${c.name.padEnd(w)}  ${c.type}${c.partition ? "  (partition)" : ""}`);
    out.push("");
  }
  if (inv.absent.length > 0) out.push(`no data yet: ${inv.absent.join(", ")}`);
  return `${out.join("\n").trimEnd()}\n`;
}

export function readQuery(args: { query?: string; file?: string }): string {
  if (args.file !== undefined && args.query) throw usageError("give the query or -f FILE, not both");
  if (args.file !== undefined) {
    try {
      return readFileSync(args.file === "-" ? 0 : args.file, "utf8");
    } catch (e) {
      throw ioError(`-f ${args.file}: ${(e as Error).message}`, {
        hint: "pass a readable .sql file",
        cause: e,
      });
    }
  }
  if (!args.query)
    throw usageError("no query", {
      hint: 'ttapi sql "SELECT * FROM bars LIMIT 10", -f query.sql or --tables',
    });
  return args.query;
}

function formatOf(args: Record<string, unknown>): OutputFormat {
  const chosen = (["csv", "json", "parquet"] as const).filter(
    (f) => args[f] !== undefined && args[f] !== false,
  );
  if (chosen.length > 1) throw usageError(`choose one output: --${chosen.join(", --")}`);
  return chosen[0] ?? "table";
}

export default defineCommand({
  meta: {
    name: "sql",
    description: "query the lake with SQL (polars): bars, chains, option_quotes, metrics, …",
  },
  args: {
    ...globalArgs,
    query: { type: "positional", required: false, description: "the SQL query (one SELECT statement)" },
    file: {
      type: "string",
      alias: "f",
      description: "read the query from FILE (- for stdin)",
      valueHint: "FILE",
    },
    tables: { type: "boolean", description: "list the lake's tables: columns, types, partitions, rows" },
    lake: {
      type: "string",
      description: "the lake: a folder or s3://bucket/prefix (default: <data-dir>/lake; config lake.root)",
      valueHint: "ROOT",
    },
    csv: { type: "boolean", description: "print the whole result as CSV" },
    json: { type: "boolean", description: "print the whole result as a JSON array, one object per row" },
    parquet: {
      type: "string",
      description: "write the whole result to FILE (zstd Parquet)",
      valueHint: "FILE",
    },
  },
  run: ({ args }) =>
    runAction("sql", args, async ({ lake, log }) => {
      const { isS3Root, primeS3Listing } = await import("../../platform/lake/index.ts");
      const { describeScans, lakeInventory, prepareQuery } = await import("../../platform/query/index.ts");
      // --lake / lake.root / <data-dir>/lake; an s3:// lake is listed once up front (the catalog reads
      // its partitions synchronously).
      const root = isS3Root(lake) ? lake : resolve(lake);
      await primeS3Listing(root);
      if (args.tables) {
        const inv = lakeInventory(root);
        await writeAll(process.stdout, args.json ? `${JSON.stringify(inv)}\n` : inventoryText(inv));
        return 0;
      }
      const format = formatOf(args);
      const text = readQuery({
        query: args.query as string | undefined,
        file: args.file as string | undefined,
      });
      const q = prepareQuery(root, text);
      // Planning the scans costs a few ms (and listing a table's files more): only when asked.
      if (cliState.verbosity > 0)
        for (const line of describeScans(q)) {
          log.debug(line);
          process.stderr.write(`ttapi sql: ${line}\n`);
        }
      if (cliState.verbosity > 1) process.stderr.write(`${q.frame.describeOptimizedPlan()}\n`);
      const r = await printResult(q, format, process.stdout, {
        parquet: args.parquet as string | undefined,
        lakeRoot: root,
      });
      if (format === "parquet")
        process.stderr.write(`wrote ${r.rows.toLocaleString("en-US")} rows to ${args.parquet}\n`);
      return 0;
    }),
});
