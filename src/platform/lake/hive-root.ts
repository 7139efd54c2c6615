/**
 * Hive columns come only from below a table's folder. polars parses every `key=value` segment of
 * a globbed path as a partition, from the start of the path (measured with this polars: a lake at
 * `/data/x=1/lake` gives every table a column `x`, and `/data/symbol=Z/lake` overwrites the files'
 * own `symbol` with `Z`). Scanning the table folder itself instead of a glob would start at the
 * right place, but then polars reads every file below it (`.DS_Store`, a writer's `.tmp`) and
 * fails on them.
 *
 * So when a local lake's absolute path holds such a segment, readers glob through an alias: a
 * symbolic link to the lake in a private temporary folder (`<tmp>/ttapi-lake-XXXXXX/lake`), whose
 * path has none. The link is made once per lake and process and removed when the process exits;
 * paths polars reports (plans, `-v`) are mapped back with `fromHiveSafe`.
 */
import { mkdtempSync, rmdirSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { isS3Root } from "../../core/lake-root.ts";

/** Real lake root (absolute) → its alias. */
const aliases = new Map<string, string>();

/** Whether a path segment is what polars takes for a hive partition (`key=value`, one `=`). */
function looksLikeHive(path: string): boolean {
  return path.split("/").some((seg) => seg.split("=").length === 2 && !seg.includes("*"));
}

function cleanUp(): void {
  for (const alias of aliases.values()) {
    try {
      unlinkSync(alias); // the link only, never what it points to
      rmdirSync(join(alias, ".."));
    } catch {
      // already gone
    }
  }
}

/**
 * The root readers should glob: `root` itself unless its path holds a `key=value` segment (or the
 * alias cannot be made: then the lake is read as before). `s3://` roots are returned as they are.
 */
export function hiveSafeRoot(root: string): string {
  if (isS3Root(root)) return root;
  const real = resolve(root);
  if (!looksLikeHive(real)) return root;
  const known = aliases.get(real);
  if (known) return known;
  try {
    const dir = mkdtempSync(join(tmpdir(), "ttapi-lake-"));
    const alias = join(dir, "lake");
    if (looksLikeHive(alias)) {
      rmdirSync(dir);
      return root;
    }
    symlinkSync(real, alias, "dir");
    if (aliases.size === 0) process.once("exit", cleanUp);
    aliases.set(real, alias);
    return alias;
  } catch {
    return root;
  }
}

/** `path` (below `root`) as readers should glob it (see `hiveSafeRoot`). */
export function hiveSafePath(root: string, path: string): string {
  const safe = hiveSafeRoot(root);
  if (safe === root) return path;
  const real = resolve(root);
  const abs = resolve(path);
  return abs === real || abs.startsWith(`${real}/`) ? safe + abs.slice(real.length) : path;
}

/** Text naming aliased paths (a plan, an error) with the real lake paths again. */
export function fromHiveSafe(text: string): string {
  let out = text;
  for (const [real, alias] of aliases) out = out.replaceAll(alias, real);
  return out;
}
