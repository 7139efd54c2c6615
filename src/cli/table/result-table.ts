/**
 * A query result as an aligned text table. On a terminal it fits the screen: at most `maxRows`
 * rows and as many columns as fit `width` (long cells cut with "…"), and a footer with the row
 * count and how to export the rest. Without limits (output piped) every row and column is printed.
 */
import type pl from "nodejs-polars";

export interface TableLimits {
  /** Terminal width in characters; undefined = unlimited. */
  width?: number;
  /** Rows to show; undefined = all. */
  maxRows?: number;
  /** Widest cell before it is cut. */
  maxCell?: number;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** One value as text: dates as YYYY-MM-DD, datetimes as ISO UTC, floats with 7 significant digits. */
export function cellText(v: unknown, dtype: string): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof Date) {
    if (dtype === "Date") return `${v.getUTCFullYear()}-${pad2(v.getUTCMonth() + 1)}-${pad2(v.getUTCDate())}`;
    return v
      .toISOString()
      .replace("T", " ")
      .replace(/\.000Z$/, "Z");
  }
  if (typeof v === "number") {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    return String(Number.parseFloat(v.toPrecision(7)));
  }
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

const NUMERIC = /^(Int|UInt|Float|Decimal)/;

function cut(s: string, w: number): string {
  return s.length <= w ? s : `${s.slice(0, Math.max(1, w - 1))}…`;
}

/**
 * Render `df` (already limited to the rows to show) as lines. `total` is the row count of the
 * whole result, for the footer; `hint` says how to get everything.
 */
export function renderTable(df: pl.DataFrame, total: number, limits: TableLimits = {}, hint = ""): string[] {
  const maxCell = limits.maxCell ?? (limits.width ? 40 : Number.POSITIVE_INFINITY);
  const names = df.columns;
  const dtypes = names.map((n) => df.getColumn(n).dtype.variant as string);
  const shown = limits.maxRows === undefined ? df.height : Math.min(df.height, limits.maxRows);
  const cols = names.map((n, k) => {
    const values = df.getColumn(n).toArray().slice(0, shown);
    const cells = values.map((v) => cut(cellText(v, dtypes[k]!), maxCell));
    const head = cut(n, maxCell);
    return {
      head,
      cells,
      width: Math.max(head.length, ...cells.map((c) => c.length)),
      right: NUMERIC.test(dtypes[k]!),
    };
  });
  // Columns that fit the terminal, keeping room for the "+N columns" marker.
  let fit = cols.length;
  if (limits.width !== undefined) {
    let used = 0;
    fit = 0;
    for (const c of cols) {
      const need = (fit === 0 ? 0 : 2) + c.width;
      if (used + need > limits.width - (fit + 1 < cols.length ? 6 : 0)) break;
      used += need;
      fit++;
    }
    fit = Math.max(1, fit);
  }
  const visible = cols.slice(0, fit);
  const hidden = cols.length - fit;
  const line = (parts: string[]) => parts.join("  ").trimEnd();
  const lines: string[] = [];
  lines.push(
    line([
      ...visible.map((c) => (c.right ? c.head.padStart(c.width) : c.head.padEnd(c.width))),
      ...(hidden ? [`+${hidden}`] : []),
    ]),
  );
  lines.push(line(visible.map((c) => "─".repeat(c.width))));
  for (let r = 0; r < shown; r++)
    lines.push(
      line(visible.map((c) => (c.right ? c.cells[r]!.padStart(c.width) : c.cells[r]!.padEnd(c.width)))),
    );
  const count = `${total.toLocaleString("en-US")} row${total === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (shown < total) parts.push(`showing the first ${shown.toLocaleString("en-US")} of ${count}`);
  else parts.push(count);
  if (hidden)
    parts.push(
      `${hidden} more column${hidden === 1 ? "" : "s"} (${cols
        .slice(fit)
        .map((c) => c.head)
        .join(", ")})`,
    );
  if ((shown < total || hidden) && hint) parts.push(hint);
  lines.push(parts.join(" · "));
  return lines;
}
