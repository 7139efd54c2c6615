/**
 * Incremental statistics state on disk: one file per symbol (`stats/state/<symbol>.state`), a
 * JSON header (counters, kernel running sums, the bar files it covers) followed by the typed
 * arrays (tail of the series, latest variances, sorted cone values). Written atomically; a state
 * that cannot be read is treated as absent (the symbol is recomputed in full, never wrong).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../core/atomic.ts";
import { symbolDirName } from "../../core/bars.ts";
import { dataError } from "../../core/errors.ts";
import { type SortedValues, type SymbolState, withHeadroom } from "../../stats/index.ts";

const MAGIC = "TTSTATE1";

/** A bar file as the state saw it: a changed or vanished one forces a full recompute. */
export interface FileStamp {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface StoredState {
  state: SymbolState;
  files: FileStamp[];
}

export function stateFile(stateDir: string, symbol: string): string {
  // Named like the symbol's bars folder: percent-encoded, abbreviated with a hash when too long
  // for a file name (a 300-character ticker).
  return join(stateDir, `${symbolDirName(symbol).slice("symbol=".length)}.state`);
}

interface Header {
  symbol: string;
  optionsKey: string;
  n: number;
  firstDate: number | null;
  missing: number;
  duplicates: number;
  flagged: number;
  roll: SymbolState["roll"];
  tail: number;
  windows: number;
  cone: (number | null)[][];
  files: FileStamp[];
}

export function encodeState(s: StoredState): Buffer {
  const st = s.state;
  const header: Header = {
    symbol: st.symbol,
    optionsKey: st.optionsKey,
    n: st.n,
    firstDate: st.firstDate,
    missing: st.missing,
    duplicates: st.duplicates,
    flagged: st.flagged,
    roll: st.roll,
    tail: st.tail.date.length,
    windows: st.lastVar.length,
    cone: st.cone.map((row) => row.map((c) => (c ? c.length : null))),
    files: s.files,
  };
  const parts: Uint8Array[] = [];
  const f64 = (a: Float64Array) =>
    parts.push(new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
  const t = st.tail;
  f64(t.open);
  f64(t.high);
  f64(t.low);
  f64(t.close);
  for (const v of st.lastVar) f64(v);
  for (const row of st.cone) for (const c of row) if (c) f64(c.values.subarray(0, c.length));
  parts.push(new Uint8Array(t.date.buffer.slice(t.date.byteOffset, t.date.byteOffset + t.date.byteLength)));
  parts.push(t.flags.slice());
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return Buffer.concat([Buffer.from(MAGIC), len, json, ...parts]);
}

export function decodeState(buf: Buffer): StoredState {
  if (buf.subarray(0, MAGIC.length).toString() !== MAGIC) throw dataError("not a ttapi statistics state");
  const hlen = buf.readUInt32LE(MAGIC.length);
  let off = MAGIC.length + 4;
  const h = JSON.parse(buf.subarray(off, off + hlen).toString()) as Header;
  off += hlen;
  const take = (bytes: number) => {
    if (off + bytes > buf.length) throw dataError("truncated statistics state");
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(off, off + bytes));
    off += bytes;
    return copy.buffer;
  };
  const f64 = (n: number) => new Float64Array(take(n * 8));
  const open = f64(h.tail);
  const high = f64(h.tail);
  const low = f64(h.tail);
  const close = f64(h.tail);
  const lastVar = Array.from({ length: h.windows }, () => f64(5));
  const cone = h.cone.map((row) =>
    row.map((len): SortedValues | null => (len === null ? null : withHeadroom(f64(len), len))),
  );
  const date = new Int32Array(take(h.tail * 4));
  const flags = new Uint8Array(take(h.tail));
  if (off !== buf.length) throw dataError("statistics state has trailing bytes");
  return {
    files: h.files,
    state: {
      symbol: h.symbol,
      optionsKey: h.optionsKey,
      n: h.n,
      firstDate: h.firstDate,
      missing: h.missing,
      duplicates: h.duplicates,
      flagged: h.flagged,
      tail: { date, open, high, low, close, flags },
      roll: h.roll,
      cone,
      lastVar,
    },
  };
}

/** The stored state of a symbol, or null when absent or unreadable (with the reason). */
export function loadState(
  stateDir: string,
  symbol: string,
): { stored: StoredState | null; problem: string | null } {
  const file = stateFile(stateDir, symbol);
  if (!existsSync(file)) return { stored: null, problem: null };
  try {
    return { stored: decodeState(readFileSync(file)), problem: null };
  } catch (e) {
    return { stored: null, problem: `state unreadable (${(e as Error).message})` };
  }
}

export async function saveState(stateDir: string, s: StoredState): Promise<void> {
  const bytes = encodeState(s);
  await atomicWrite(stateFile(stateDir, s.state.symbol), async (tmp) => {
    await Bun.write(tmp, bytes);
  });
}
