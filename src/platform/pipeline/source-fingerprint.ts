/**
 * What identifies the MetaStock sources' content for the EOD cache: per source (by its position in
 * the list), every file's path relative to that source, its size and a hash of its content. No
 * absolute path and no mtime: moving or copying a data directory (demo fixtures live inside it) or
 * a source folder (`cp -r` resets mtimes) keeps the cached import valid, while any change of
 * content invalidates it.
 *
 * Cost: files up to `FULL_HASH_MAX` are hashed whole (wyhash — the per-symbol ASCII files and
 * F*.DAT files of real databases); larger ones by three 1 MiB samples (head, middle, tail) plus
 * their size, which catches appended days and truncation. Hashes are remembered in `hashCache`
 * (a small JSON file under the data directory) by (source, relative path, size, mtime): a
 * `--cached` run re-hashes only files whose size or mtime changed, so it costs a `stat` per file
 * (mtime decides only whether to re-hash; it is not part of the signature).
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { atomicWriteFileSync } from "../../core/atomic.ts";
import { readFull } from "../../core/read-full.ts";
import { hashBytes } from "../cache/fingerprint.ts";

const FULL_HASH_MAX = 8 * 1024 * 1024;
const SAMPLE = 1024 * 1024;

export interface SourceEntry {
  /** Index of the source in the configured list. */
  source: number;
  /** Path relative to the source ("" for a source that is a file). */
  path: string;
  size: number;
  hash: string;
}

/**
 * One read buffer for every file: a fresh Buffer per file made a cold fingerprint of the full demo
 * (507 files, 1.5 GB) allocate it all in one synchronous loop, ~700 MB of RSS before the collector
 * ran — the peak of a first full demo run.
 */
let readBuffer: Buffer | null = null;

function readWhole(fd: number, size: number): Buffer {
  readBuffer ??= Buffer.allocUnsafe(FULL_HASH_MAX);
  // Fewer bytes than the stat said: it shrank since, hash what is there.
  return readBuffer.subarray(0, readFull(fd, readBuffer, size, 0));
}

function contentHash(path: string, size: number): string {
  const fd = openSync(path, "r");
  try {
    if (size <= FULL_HASH_MAX) return hashBytes(readWhole(fd, size));
    const buf = Buffer.alloc(SAMPLE * 3);
    let n = 0;
    for (const at of [0, Math.floor(size / 2) - SAMPLE / 2, size - SAMPLE])
      n += readFull(fd, buf.subarray(n), SAMPLE, at);
    return `s${hashBytes(buf.subarray(0, n))}`;
  } finally {
    closeSync(fd);
  }
}

type HashCache = Record<string, string>;

function loadCache(path: string | undefined): HashCache {
  if (!path || !existsSync(path)) return {};
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return o !== null && typeof o === "object" && !Array.isArray(o) ? (o as HashCache) : {};
  } catch {
    return {}; // a damaged cache only costs re-hashing
  }
}

export function sourcesSignature(sources: readonly string[], hashCache?: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  const known = loadCache(hashCache);
  const seen: HashCache = {};
  sources.forEach((root, source) => {
    const walk = (p: string) => {
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(p);
      } catch {
        out.push({ source, path: relative(root, p), size: -1, hash: "missing" });
        return;
      }
      if (st.isDirectory()) {
        for (const e of readdirSync(p).sort()) if (!e.startsWith(".")) walk(join(p, e));
      } else if (st.isFile()) {
        const path = relative(root, p);
        const key = `${source}|${path}|${st.size}|${Math.floor(st.mtimeMs)}`;
        let hash = known[key];
        if (hash === undefined) {
          try {
            hash = contentHash(p, st.size);
          } catch {
            hash = "unreadable";
          }
        }
        if (hash !== "unreadable") seen[key] = hash;
        out.push({ source, path, size: st.size, hash });
      }
    };
    walk(root);
  });
  if (hashCache && JSON.stringify(seen) !== JSON.stringify(known)) {
    try {
      atomicWriteFileSync(hashCache, JSON.stringify(seen));
    } catch {
      // not remembered: the next run hashes again
    }
  }
  return out;
}
