/**
 * Queries never modify the lake: only one read statement (SELECT, WITH … SELECT, a parenthesised
 * SELECT, SHOW TABLES, or polars' `FROM t …` shorthand) is accepted. Polars' SQL engine cannot
 * write files, but it does execute `CREATE TABLE`, `DROP TABLE`, `TRUNCATE` or `DELETE` against
 * the in-memory context; rejecting them up front keeps the contract simple: a query reads.
 */
import { usageError } from "../../core/errors.ts";

const READ_STARTS = new Set(["SELECT", "WITH", "FROM", "SHOW", "("]);
/** Statements that write or change a catalog: refused as such (anything else is a syntax error). */
const WRITES = new Set(
  "CREATE DROP INSERT UPDATE DELETE TRUNCATE ALTER COPY MERGE REPLACE ATTACH DETACH GRANT REVOKE SET RENAME UPSERT VACUUM".split(
    " ",
  ),
);

/** The SQL with comments and string/identifier literals blanked out (same length, positions kept). */
export function maskLiterals(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const two = sql.slice(i, i + 2);
    if (two === "--") {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? sql.length : end;
      out += " ".repeat(stop - i);
      i = stop;
    } else if (two === "/*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === "'" || c === '"') {
      // A quote inside a literal is doubled ('it''s'), which this loop handles as two literals.
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j++;
      const stop = Math.min(j + 1, sql.length);
      out += `${c}${" ".repeat(Math.max(0, stop - i - 2))}${stop > i + 1 ? c : ""}`;
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Throw a usage error unless `sql` is exactly one read-only statement. Returns it trimmed. */
export function checkReadOnly(sql: string): string {
  const masked = maskLiterals(sql);
  const body = masked.replace(/;\s*$/, "");
  if (body.trim() === "")
    throw usageError("empty query", { hint: 'e.g. ttapi sql "SELECT * FROM bars LIMIT 10"' });
  const semi = body.indexOf(";");
  if (semi >= 0)
    throw usageError(
      `only one statement per query (a second one starts after ";" at ${position(sql, semi)})`,
      {
        hint: "run each statement separately",
      },
    );
  const m = /^\s*(\(|[A-Za-z_]+|\S)/.exec(body);
  const first = m?.[1]?.toUpperCase() ?? "";
  if (WRITES.has(first))
    throw usageError(`${first} is not allowed: queries never modify the lake`, {
      hint: "use SELECT … (or WITH … SELECT …); export results with --csv, --json or --parquet FILE",
    });
  if (!READ_STARTS.has(first)) {
    const at = position(sql, (m?.index ?? 0) + (m?.[0].length ?? 0) - first.length);
    throw usageError(`SQL syntax error at ${at}: expected SELECT or WITH, found "${m?.[1] ?? ""}"`, {
      hint: 'e.g. ttapi sql "SELECT * FROM bars LIMIT 10"',
    });
  }
  return sql.trim().replace(/;\s*$/, "");
}

/** "line L, column C" of a 0-based offset. */
export function position(sql: string, offset: number): string {
  const before = sql.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}
