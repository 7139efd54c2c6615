/**
 * Polars' SQL errors as one clear line: a syntax error with its position, an unknown table with
 * the tables that exist, an unknown column with the columns of the queried tables.
 */
import { TTError, usageError } from "../../core/errors.ts";
import { fromHiveSafe } from "../lake/hive-root.ts";
import { position } from "./read-only.ts";

export interface ErrorContext {
  sql: string;
  /** Table name → column names, for every table present. */
  tables: Map<string, string[]>;
  /** Tables of the contract that have no data yet. */
  absent: string[];
}

const firstLine = (s: string) => s.split("\n")[0]!.trim();

export function sqlError(e: unknown, ctx: ErrorContext): TTError {
  if (e instanceof TTError) return e;
  // A path polars names may run through the lake's private alias (lake/hive-root.ts): shown real.
  const msg = fromHiveSafe(e instanceof Error ? e.message : String(e));
  const syntax = /sql parser error: (.*?)(?: at Line: (\d+), Column: (\d+))?$/m.exec(msg);
  if (syntax) {
    const where = syntax[2]
      ? `line ${syntax[2]}, column ${syntax[3]}`
      : `${position(ctx.sql, ctx.sql.length)} (end of query)`;
    return usageError(`SQL syntax error at ${where}: ${syntax[1]}`, {
      hint: "polars SQL: SELECT … FROM <table> [WHERE …] [GROUP BY …] [ORDER BY …] [LIMIT n]",
      cause: e,
    });
  }
  const relation = /relation '([^']+)' was not found|table '([^']+)' does not exist/.exec(msg);
  if (relation) {
    const name = relation[1] ?? relation[2];
    const lower = name!.toLowerCase();
    const absent = ctx.absent.includes(lower)
      ? ` ("${lower}" has no data yet)`
      : lower !== name && ctx.tables.has(lower)
        ? ` (table names are lowercase: ${lower})`
        : "";
    return usageError(`unknown table "${name}"${absent}`, {
      hint: `tables: ${[...ctx.tables.keys()].join(", ") || "none — the lake is empty"} (ttapi sql --tables lists their columns)`,
      cause: e,
    });
  }
  const column =
    /unable to find column "([^"]+)"/.exec(msg) ??
    /no column named '([^']+)' found/.exec(msg) ??
    /column '([^']+)' (?:was )?not found/.exec(msg) ??
    /ColumnNotFound.*?"([^"]+)"/.exec(msg);
  if (column) {
    const name = column[1];
    const list = [...ctx.tables.entries()]
      .filter(([, cols]) => cols.length > 0)
      .map(([t, cols]) => `${t}(${cols.join(", ")})`)
      .join("; ");
    return usageError(`unknown column "${name}"`, { hint: `columns: ${list}`, cause: e });
  }
  return usageError(`query failed: ${firstLine(msg)}`, {
    hint: "check column types and functions (ttapi sql --tables lists the columns and their types)",
    cause: e,
  });
}
