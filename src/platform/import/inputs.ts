/**
 * Input expansion: command-line paths → the concrete sources to import, each auto-detected.
 *   - a folder holding MASTER/EMASTER/XMASTER (any case) is a binary MetaStock database (its
 *     F#.DAT/.MWD files are read through the index; other text files in it are still imported);
 *   - any other folder is walked recursively (hidden entries skipped);
 *   - a glob (`*`, `?`, `[`, `{`) is expanded relative to its static prefix;
 *   - a file named MASTER/EMASTER/XMASTER or F<n>.DAT/.MWD stands for its folder's database;
 *   - every other file is an ASCII/CSV file.
 * Order is deterministic (inputs in the order given, folder entries sorted) and defines the
 * duplicate priority: the first source wins.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ioError, usageError } from "../../core/errors.ts";
import { describeNonRegular } from "../../core/input-file.ts";
import { isMetastockListing } from "../../metastock/index.ts";

export type Source =
  | { kind: "ascii"; path: string; size: number }
  | { kind: "binary"; dir: string; names: string[] };

const GLOB_CHARS = /[*?[{]/;
const BINARY_FILE = /^(MASTER|EMASTER|XMASTER|F\d+\.(DAT|MWD|DOP))$/i;
/** Files never imported as ASCII from walked folders (our own output, archives, notes). */
const IGNORED = /\.(parquet|zip|gz|xz|7z|tar|json|md|pdf|DOP)$/i;

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    throw ioError(`cannot read folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      cause: e,
      hint: "check the path and its permissions",
    });
  }
}

export function expandInputs(inputs: readonly string[]): Source[] {
  if (inputs.length === 0)
    throw usageError("no input given", { hint: "pass files, folders or globs to import" });
  const out: Source[] = [];
  const seenFiles = new Set<string>();
  const seenDbs = new Set<string>();

  const addDb = (dir: string, names: string[]) => {
    const d = resolve(dir);
    if (seenDbs.has(d)) return;
    seenDbs.add(d);
    out.push({ kind: "binary", dir, names });
  };
  const addFile = (path: string, size: number) => {
    const p = resolve(path);
    if (seenFiles.has(p)) return;
    seenFiles.add(p);
    out.push({ kind: "ascii", path, size });
  };

  const walk = (dir: string) => {
    const names = listDir(dir);
    const isDb = isMetastockListing(names);
    if (isDb) addDb(dir, names);
    for (const name of names) {
      if (name.startsWith(".")) continue;
      if (isDb && BINARY_FILE.test(name)) continue;
      const p = join(dir, name);
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(p);
      } catch {
        continue; // vanished or dangling symlink inside a walked tree: nothing to import
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && !IGNORED.test(name) && !BINARY_FILE.test(name)) addFile(p, st.size);
    }
  };

  const addPath = (input: string, fromGlob: boolean) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(input);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw ioError(
        `cannot read ${input}: ${code === "ENOENT" ? "no such file or folder" : (code ?? (e as Error).message)}`,
        {
          cause: e,
          hint:
            code === "ENOENT"
              ? "check the path (quote globs so the shell does not expand them)"
              : "check permissions",
        },
      );
    }
    if (st.isDirectory()) return walk(input);
    if (BINARY_FILE.test(basename(input))) {
      const dir = dirname(input);
      const names = listDir(dir);
      if (isMetastockListing(names)) return addDb(dir, names);
      throw ioError(`${input} looks like a MetaStock data file but ${dir} has no MASTER/EMASTER/XMASTER`, {
        hint: "import the whole database folder",
      });
    }
    if (!st.isFile()) {
      throw ioError(`${input}: ${describeNonRegular(st)}, not a regular file; refusing to read it`, {
        hint: "import regular files (copy the data out of the pipe or device first)",
      });
    }
    if (!fromGlob || !IGNORED.test(input)) addFile(input, st.size);
  };

  for (const input of inputs) {
    if (GLOB_CHARS.test(input)) {
      const parts = input.split("/");
      const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
      const base = parts.slice(0, firstGlob).join("/") || (input.startsWith("/") ? "/" : ".");
      const pattern = parts.slice(firstGlob).join("/");
      const matches = [...new Bun.Glob(pattern).scanSync({ cwd: base, onlyFiles: false, dot: false })].sort();
      if (matches.length === 0) {
        throw ioError(`no file matches ${input}`, {
          hint: "check the pattern (quote it so the shell does not expand it)",
        });
      }
      for (const m of matches) addPath(join(base, m), true);
    } else addPath(input, false);
  }
  return out;
}
