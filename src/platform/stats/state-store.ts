/**
 * Incremental statistics state on disk: ONE file for every symbol of the dataset, so a daily
 * update of hundreds of symbols is one read and one atomic write, not hundreds of small files.
 *
 * Layout: magic, the header's length, a 64-bit checksum of everything after it (wyhash), a JSON
 * header (the suite options the state was made with, then per symbol its
 * counters and the bar files it covers) and four sections of fixed-size per-symbol records —
 * float64 (kernel running sums, latest variances, the tail's open/high/low/close, the cone
 * windows' values), int32 (the tail's dates), uint16 (the cone windows' position tags), uint8
 * (the tail's flags) — each 8-byte aligned. Records have the same size for every symbol (capacity
 * = tail length and cone lookback), so a loaded state is views into the file's buffer, no copies.
 * Size per symbol ≈ windows × 5 × lookback × 10 bytes (507 symbols, 6 windows, 252 bars: 38 MB).
 *
 * Written as a temp file renamed over the old one, without fsync: the state is a cache, and each
 * one names the bar files it covers, so an older state that survives a crash is simply brought up
 * to date from the parts added since, and a torn or zero-filled one fails its checksum. A state
 * that cannot be read is treated as absent (every symbol is recomputed in full, never wrong).
 * Syncing 40 MB every day would cost more than the whole update.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { tempPathFor } from "../../core/atomic.ts";
import { dataError, fsError } from "../../core/errors.ts";
import { processAlive } from "../../core/process-alive.ts";
import type { ConeWindow, RollState, SymbolState } from "../../stats/index.ts";

const MAGIC = "TTSTATE2";
/** Magic, header length (u32), reserved (u32), checksum (u64): the JSON header starts here. */
const PREFIX = 24;
/** RollState fields, in their order in a record. */
const ROLL_FIELDS = [
  "mR",
  "m2R",
  "mCo",
  "m2Co",
  "mOn",
  "m2On",
  "sHl2",
  "sCo2",
  "sRs",
  "nextAnchor",
] as const satisfies readonly (keyof RollState)[];
const ESTIMATOR_SLOTS = 5;

/** A bar file as the state saw it: a changed or vanished one forces a full recompute. */
export interface FileStamp {
  name: string;
  size: number;
  mtimeMs: number;
  /** Small parts only (see part-growth.ts): the rows the state read from it and their digest. */
  rows?: number;
  digest?: string;
}

export interface StoredState {
  state: SymbolState;
  files: FileStamp[];
}

/** The shape every record of one state file shares. */
export interface StateShape {
  optionsKey: string;
  windows: number;
  /** Bars of the series tail kept per symbol. */
  tail: number;
  /** Capacity of a cone window (the cone lookback). */
  lookback: number;
}

interface SymbolHeader {
  symbol: string;
  n: number;
  firstDate: number | null;
  missing: number;
  duplicates: number;
  flagged: number;
  tail: number;
  /** Per window × estimator: the cone window's length, −1 when that estimator is not selected. */
  cone: number[];
  files: FileStamp[];
}

interface Header extends StateShape {
  symbols: SymbolHeader[];
}

/** Per-record sizes, in elements of each section. */
function recordSizes(sh: StateShape) {
  const cones = sh.windows * ESTIMATOR_SLOTS;
  return {
    f64: sh.windows * ROLL_FIELDS.length + cones + 4 * sh.tail + cones * sh.lookback,
    i32: sh.tail,
    u16: cones * sh.lookback,
    u8: sh.tail,
  };
}

const align8 = (x: number) => Math.ceil(x / 8) * 8;

export function encodeStates(shape: StateShape, entries: readonly StoredState[]): Uint8Array {
  const rs = recordSizes(shape);
  const n = entries.length;
  const header: Header = {
    ...shape,
    symbols: entries.map(({ state: st, files }) => ({
      symbol: st.symbol,
      n: st.n,
      firstDate: st.firstDate,
      missing: st.missing,
      duplicates: st.duplicates,
      flagged: st.flagged,
      tail: st.tail.date.length,
      cone: st.cone.flatMap((row) => [0, 1, 2, 3, 4].map((e) => (row[e] ? row[e]!.length : -1))),
      files,
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = align8(PREFIX + json.length);
  const f64Bytes = n * rs.f64 * 8;
  const i32Bytes = align8(n * rs.i32 * 4);
  const u16Bytes = align8(n * rs.u16 * 2);
  const out = new Uint8Array(head + f64Bytes + i32Bytes + u16Bytes + n * rs.u8);
  out.set(new TextEncoder().encode(MAGIC));
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, PREFIX);
  const f64 = new Float64Array(out.buffer, head, n * rs.f64);
  const i32 = new Int32Array(out.buffer, head + f64Bytes, n * rs.i32);
  const u16 = new Uint16Array(out.buffer, head + f64Bytes + i32Bytes, n * rs.u16);
  const u8 = new Uint8Array(out.buffer, head + f64Bytes + i32Bytes + u16Bytes, n * rs.u8);
  for (const [k, { state: st }] of entries.entries()) {
    if (st.lastVar.length !== shape.windows || st.tail.date.length > shape.tail)
      throw dataError(`statistics state of ${st.symbol} does not match the state file's shape`);
    let o = k * rs.f64;
    for (const r of st.roll) for (const f of ROLL_FIELDS) f64[o++] = r[f];
    for (const v of st.lastVar) {
      f64.set(v, o);
      o += ESTIMATOR_SLOTS;
    }
    const t = st.tail;
    for (const col of [t.open, t.high, t.low, t.close]) {
      f64.set(col, o);
      o += shape.tail;
    }
    let s = k * rs.u16;
    for (const row of st.cone)
      for (let e = 0; e < ESTIMATOR_SLOTS; e++) {
        const cw = row[e];
        if (cw) {
          f64.set(cw.values.subarray(0, cw.length), o);
          u16.set(cw.slots.subarray(0, cw.length), s);
        }
        o += shape.lookback;
        s += shape.lookback;
      }
    i32.set(t.date, k * rs.i32);
    u8.set(t.flags, k * rs.u8);
  }
  new DataView(out.buffer).setBigUint64(16, BigInt(Bun.hash.wyhash(out.subarray(PREFIX))), true);
  return out;
}

/** The states of a state file; the typed arrays view `buf` (which must be 8-byte aligned). */
export function decodeStates(buf: ArrayBuffer): { shape: StateShape; entries: StoredState[] } {
  const bytes = new Uint8Array(buf);
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC)
    throw dataError("not a ttapi statistics state");
  if (bytes.length < PREFIX) throw dataError("truncated statistics state");
  const view = new DataView(buf);
  if (view.getBigUint64(16, true) !== BigInt(Bun.hash.wyhash(bytes.subarray(PREFIX))))
    throw dataError("statistics state fails its checksum (damaged or torn)");
  const hlen = view.getUint32(MAGIC.length, true);
  if (PREFIX + hlen > bytes.length) throw dataError("truncated statistics state");
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + hlen))) as Header;
  const shape: StateShape = {
    optionsKey: h.optionsKey,
    windows: h.windows,
    tail: h.tail,
    lookback: h.lookback,
  };
  const rs = recordSizes(shape);
  const n = h.symbols.length;
  const head = align8(PREFIX + hlen);
  const f64Bytes = n * rs.f64 * 8;
  const i32Bytes = align8(n * rs.i32 * 4);
  const u16Bytes = align8(n * rs.u16 * 2);
  const total = head + f64Bytes + i32Bytes + u16Bytes + n * rs.u8;
  if (total > bytes.length) throw dataError("truncated statistics state");
  if (total !== bytes.length) throw dataError("statistics state has trailing bytes");
  const f64 = new Float64Array(buf, head, n * rs.f64);
  const i32 = new Int32Array(buf, head + f64Bytes, n * rs.i32);
  const u16 = new Uint16Array(buf, head + f64Bytes + i32Bytes, n * rs.u16);
  const u8 = new Uint8Array(buf, head + f64Bytes + i32Bytes + u16Bytes, n * rs.u8);
  const entries = h.symbols.map((sh, k): StoredState => {
    if (sh.tail > shape.tail || sh.cone.length !== shape.windows * ESTIMATOR_SLOTS)
      throw dataError(`statistics state of ${sh.symbol} is damaged`);
    let o = k * rs.f64;
    const roll = Array.from({ length: shape.windows }, () => {
      const r = {} as RollState;
      for (const f of ROLL_FIELDS) r[f] = f64[o++]!;
      return r;
    });
    const lastVar = Array.from({ length: shape.windows }, () => {
      const v = f64.subarray(o, o + ESTIMATOR_SLOTS);
      o += ESTIMATOR_SLOTS;
      return v;
    });
    const col = () => {
      const v = f64.subarray(o, o + sh.tail);
      o += shape.tail;
      return v;
    };
    const open = col();
    const high = col();
    const low = col();
    const close = col();
    let s = k * rs.u16;
    const cone = Array.from({ length: shape.windows }, (_, wi) =>
      Array.from({ length: ESTIMATOR_SLOTS }, (_, e): ConeWindow | null => {
        const len = sh.cone[wi * ESTIMATOR_SLOTS + e]!;
        const cw =
          len < 0
            ? null
            : {
                values: f64.subarray(o, o + shape.lookback),
                slots: u16.subarray(s, s + shape.lookback),
                length: len,
              };
        if (cw && (len > shape.lookback || !Number.isInteger(len)))
          throw dataError(`statistics state of ${sh.symbol} is damaged`);
        o += shape.lookback;
        s += shape.lookback;
        return cw;
      }),
    );
    const date = i32.subarray(k * rs.i32, k * rs.i32 + sh.tail);
    const flags = u8.subarray(k * rs.u8, k * rs.u8 + sh.tail);
    return {
      files: sh.files,
      state: {
        symbol: sh.symbol,
        optionsKey: shape.optionsKey,
        n: sh.n,
        firstDate: sh.firstDate,
        missing: sh.missing,
        duplicates: sh.duplicates,
        flagged: sh.flagged,
        tail: { date, open, high, low, close, flags },
        roll,
        cone,
        lastVar,
      },
    };
  });
  return { shape, entries };
}

/** The stored states, or none when absent or unreadable (with the reason). */
export async function loadStates(
  file: string,
): Promise<{ shape: StateShape | null; entries: Map<string, StoredState>; problem: string | null }> {
  if (!existsSync(file)) return { shape: null, entries: new Map(), problem: null };
  try {
    // Bun's ArrayBuffer of a file starts on an aligned boundary: the sections are viewed in place.
    const { shape, entries } = decodeStates(await Bun.file(file).arrayBuffer());
    return { shape, entries: new Map(entries.map((e) => [e.state.symbol, e])), problem: null };
  } catch (e) {
    return { shape: null, entries: new Map(), problem: `state unreadable (${(e as Error).message})` };
  }
}

export async function saveStates(
  file: string,
  shape: StateShape,
  entries: readonly StoredState[],
): Promise<number> {
  const bytes = encodeStates(shape, entries);
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    // Temp files of a writer killed mid-write (the state is tens of MB): nobody else reclaims them.
    const prefix = `.${basename(file)}.`;
    for (const f of readdirSync(dir)) {
      const pid =
        f.startsWith(prefix) && f.endsWith(".tmp") ? Number(f.slice(prefix.length).split(".")[0]) : 0;
      if (pid > 0 && pid !== process.pid && !processAlive(pid)) rmSync(join(dir, f), { force: true });
    }
  } catch (e) {
    throw fsError(e, dir, "create the folder");
  }
  const tmp = tempPathFor(file);
  try {
    await Bun.write(tmp, bytes);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fsError(e, file, "write the statistics state");
  }
  return bytes.length;
}
