/**
 * Partition pins: the partition folder a query is confined to, known before polars lists a table.
 *
 * Polars prunes hive partitions itself, but only after it has listed every file of the table and
 * parsed every path (507 bars folders: ~5 ms of a ~10 ms plan). When the filter polars pushes down
 * to a table's scan fixes its partition columns to one value each (`WHERE symbol = 'SPY'`,
 * `WHERE date = '2026-08-04'`, alone or AND-ed with anything else), the table is registered with a
 * scan of that one folder instead, so only it is listed and read.
 *
 * The pushed-down filter is read from the plan polars makes of the query over stand-ins of the
 * tables (a scan of one file each; nothing is read). Anything not recognised exactly (OR, IN, a
 * function of the column, a self-join asking for two symbols, a literal polars might print
 * abbreviated) leaves the table unpinned: a pin narrows only what the filter would drop anyway,
 * so the rows are the same. `s3://` lakes are not pinned (polars lists the prefix itself there).
 */
import pl, { type DataType } from "nodejs-polars";
import { isAbbreviatedSymbolDir, symbolDirName } from "../../core/bars.ts";
import { isS3Root, type LakeTable, partitionColumns, tableDir } from "../lake/index.ts";
import { maskLiterals } from "./read-only.ts";

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The string literals of a query (`'it''s'` → `it's`); null when one could confuse the plan's text. */
function sqlLiterals(sql: string): Set<string> | null {
  const masked = maskLiterals(sql);
  const out = new Set<string>();
  for (let i = 0; i < sql.length; i++) {
    const q = sql[i]!;
    if ((q !== "'" && q !== '"') || masked[i] !== q) continue;
    // A doubled quote inside a literal (`'it''s'`) is masked as two literals: read on across it.
    let j = i + 1;
    for (;;) {
      while (j < sql.length && masked[j] !== q) j++;
      if (sql[j + 1] !== q || masked[j + 1] !== q) break;
      j += 2;
    }
    const text = sql.slice(i + 1, j).replaceAll(`${q}${q}`, q);
    // Brackets or quotes inside a literal or identifier would break the bracket matching below.
    if (/[()[\]"\\]/.test(text)) return null;
    if (q === "'") out.add(text);
    i = j;
  }
  return out;
}

/** What the probe needs of a table: its schema and one of its files (the catalog's newest). */
export interface ProbeTable {
  file: string;
  schema: Record<string, DataType>;
}

/**
 * The plan polars makes of `sql` with every table standing in as a scan of just its one file,
 * without hive partitioning (so no file is pruned from the printed plan and each scan keeps its
 * path, which names its table); hive columns the file lacks read as null. Nothing is read: the
 * plan is only printed. Null if polars cannot plan it (the real run reports why).
 */
function probePlan(sql: string, tables: Map<LakeTable, ProbeTable>): string | null {
  try {
    const ctx = pl.SQLContext();
    for (const [name, t] of tables)
      ctx.register(
        name,
        pl.scanParquet(t.file, {
          schema: t.schema,
          missingColumns: "insert",
          extraColumns: "ignore",
          castOptions: { categoricalToString: "allow" },
        } as Parameters<typeof pl.scanParquet>[1]),
      );
    const frame = ctx.execute(sql);
    if ((frame as unknown as { _ldf: unknown })._ldf instanceof Error) return null;
    return frame.describeOptimizedPlan();
  } catch {
    return null;
  }
}

/** Index of the `)` closing the `(` at `open`, skipping quoted text; -1 if none. */
function closing(s: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") {
      depth--;
      if (depth === 0) return c === ")" ? i : -1;
    }
  }
  return -1;
}

/** `[(A) op (B)]` as its parts; null for anything else. */
function binary(e: string): { op: string; left: string; right: string } | null {
  if (!e.startsWith("[(") || !e.endsWith(")]")) return null;
  const inner = e.slice(1, -1);
  const end = closing(inner, 0);
  if (end < 0) return null;
  const m = /^ (\S+) \(/.exec(inner.slice(end + 1));
  if (!m) return null;
  const rightOpen = end + 1 + m[0].length - 1;
  if (closing(inner, rightOpen) !== inner.length - 1) return null;
  return { op: m[1]!, left: inner.slice(1, end), right: inner.slice(rightOpen + 1, -1) };
}

/** The AND-ed terms of a printed filter. */
function conjuncts(e: string): string[] {
  const b = binary(e);
  return b?.op === "&" ? [...conjuncts(b.left), ...conjuncts(b.right)] : [e];
}

/** `col("c") == literal` for a partition column `c`: [c, value]; null for any other term. */
function pinOf(term: string, columns: readonly string[]): [string, string] | null {
  const b = binary(term);
  const col = b && b.op === "==" ? /^col\("([^"]+)"\)$/.exec(b.left)?.[1] : undefined;
  if (!b || !col || !columns.includes(col)) return null;
  const text = /^"([^"]*)"$/.exec(b.right)?.[1];
  if (col !== "date") return text === undefined ? null : [col, text];
  // A date: `DATE '…'` prints bare, a string compared with a date column prints parsed.
  const day = /^(\d{4}-\d{2}-\d{2})(?:"\.str\.strptime\(\["raise"\]\))?$/.exec(
    b.right.replace(/^"/, ""),
  )?.[1];
  return day && DATE_RE.test(day) ? [col, day] : null;
}

/**
 * The partition values every scan of `table` (the scans of `file`) in `plan` is confined to, or
 * null when one scan is not (or when scans disagree: then the table is read as a whole, as before).
 */
export function tablePins(
  plan: string,
  table: LakeTable,
  file: string,
  literals: ReadonlySet<string>,
): Record<string, string> | null {
  const lines = plan.split("\n").map((l) => l.trim());
  let pins: Record<string, string> | null = null;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== `Parquet SCAN [${file}]`) continue;
    // The scan's own lines follow it: PROJECT …, SELECTION: <the filter pushed to it>, ….
    let filter: string | undefined;
    for (let j = i + 1; j < lines.length && /^(PROJECT|SELECTION|ESTIMATED|ROW_INDEX)/.test(lines[j]!); j++)
      if (lines[j]!.startsWith("SELECTION: ")) filter = lines[j]!.slice("SELECTION: ".length);
    if (filter === undefined) return null;
    const found: Record<string, string> = {};
    for (const term of conjuncts(filter)) {
      const pin = pinOf(term, partitionColumns(table));
      // The value must be one the query spells out (polars may abbreviate long literals).
      if (pin && literals.has(pin[1]) && found[pin[0]] === undefined) found[pin[0]] = pin[1];
    }
    if (Object.keys(found).length === 0) return null;
    if (pins && JSON.stringify(pins) !== JSON.stringify(found)) return null;
    pins = found;
  }
  return pins;
}

/**
 * The glob of the folder a pinned table is confined to, or null when the pins do not name one.
 * The first segment is written as a one-character class (`[d]ate=…`), so the glob's fixed prefix,
 * from which polars counts hive columns, stays the table folder as with the whole-table glob.
 */
export function pinnedGlob(root: string, table: LakeTable, pins: Record<string, string>): string | null {
  const segments =
    table === "bars"
      ? pins.symbol === undefined
        ? null
        : [pins.period === undefined ? "*" : `period=${pins.period}`, symbolDirName(pins.symbol)]
      : pins.date === undefined
        ? null
        : [`date=${pins.date}`, "**"];
  if (!segments || segments.some((s) => /[*?[\]{}\\/]/.test(s) && s !== "*" && s !== "**")) return null;
  const first = segments[0]!;
  const fixed = first === "*" ? first : `[${first[0]}]${first.slice(1)}`;
  return [tableDir(root, table), fixed, ...segments.slice(1), "*.parquet"].join("/");
}

/** The one folder a pinned table is read from, and whether its hive columns come from the path. */
export interface PinnedScan {
  glob: string;
  /**
   * False for the abbreviated folder of a long symbol (src/core/bars.ts): its name is not the
   * symbol, so the path would give every row a `symbol` the filter drops; bars files store
   * `symbol` and `period`, which are then read from the file.
   */
  hive: boolean;
}

/** Per table of `tables`, the one folder the query can read (local lakes only). */
export function pinnedScans(
  root: string,
  sql: string,
  tables: Map<LakeTable, ProbeTable>,
): Map<LakeTable, PinnedScan> {
  const out = new Map<LakeTable, PinnedScan>();
  // No `<partition column> =` in the query: nothing to pin, no plan to make.
  if (isS3Root(root) || tables.size === 0 || !/\b(?:symbol|period|date)"?\s*=/i.test(maskLiterals(sql)))
    return out;
  const literals = sqlLiterals(sql);
  if (!literals || literals.size === 0) return out;
  // Each table's stand-in file must be told apart in the plan.
  const files = [...tables.values()].map((t) => t.file);
  if (new Set(files).size !== files.length || files.some((f) => /[[\]\n]/.test(f))) return out;
  const plan = probePlan(sql, tables);
  if (!plan) return out;
  for (const [table, t] of tables) {
    const pins = tablePins(plan, table, t.file, literals);
    const glob = pins ? pinnedGlob(root, table, pins) : null;
    const abbreviated =
      table === "bars" && pins?.symbol !== undefined && isAbbreviatedSymbolDir(symbolDirName(pins.symbol));
    if (glob) out.set(table, { glob, hive: !abbreviated });
  }
  return out;
}
