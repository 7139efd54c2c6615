/** Whole-buffer convenience: detect the layout, parse every line. */
import { BarColumnsBuilder } from "../columns.ts";
import { detectLayout, type LayoutDetection } from "./layout.ts";
import { type ParseOptions, type ParseResult, parseAsciiRange, unparsable } from "./parse.ts";

export interface AsciiParse extends ParseResult {
  columns: BarColumnsBuilder;
  detection: LayoutDetection | null;
}

/**
 * Parse a complete ASCII file. Error line numbers are 1-based file line numbers. A file whose
 * first lines hold neither a header nor a data row yields one error on line 1.
 */
export function parseAscii(
  bytes: Uint8Array,
  opts: ParseOptions = {},
  out = new BarColumnsBuilder(1024),
): AsciiParse {
  const detection = detectLayout(bytes);
  if (!detection) {
    return {
      ...unparsable(1, "no MetaStock header or data row in the first 50 lines"),
      columns: out,
      detection,
    };
  }
  const r = parseAsciiRange(bytes, detection.dataStart, bytes.length, detection.layout, out, opts);
  for (const e of r.errors) e.line += detection.linesBefore;
  const fix = (l: number) => (l > 0 ? l + detection.linesBefore : 0);
  return {
    ...r,
    lines: r.lines + detection.linesBefore,
    firstDescendingLine: fix(r.firstDescendingLine),
    firstRepeatedLine: fix(r.firstRepeatedLine),
    columns: out,
    detection,
  };
}

/** Symbol implied by a per-symbol file name: `aapl.us.txt` → `AAPL.US`, `SPY.csv` → `SPY`. */
export function symbolFromFileName(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, "");
  return base.replace(/\.(txt|csv|prn|asc|dat)$/i, "").toUpperCase();
}
