/**
 * The canonical-form line loop, compiled once per layout: the field sequence is unrolled into
 * straight-line code (no per-field role dispatch, layout flags as constants), so the JIT sees a
 * small loop it can optimise fully and reaches its top tier within the first file.
 *
 * Semantics are exactly those of the generic `fastLines` in parse.ts (the property test checks the
 * fast path against the general path): lines in canonical form become rows, and the first line
 * that is not returns its start so the general path can take it. Only newline-terminated lines
 * are passed in; every scan stops at the newline at the latest.
 */
import {
  type AsciiLayout,
  ROLE_CLOSE,
  ROLE_DATE,
  ROLE_HIGH,
  ROLE_LOW,
  ROLE_OI,
  ROLE_OPEN,
  ROLE_PER,
  ROLE_TICKER,
  ROLE_TIME,
  ROLE_VOL,
} from "./layout.ts";

/** parse(state, bytes, p, stop) → start of the first line not taken. */
export type FastLines<S> = (st: S, b: Uint8Array, p: number, stop: number) => number;

/** Helpers the generated code calls (rarely: new ticker, new month, buffer growth). */
export interface FastEnv<S> {
  growState(st: S): void;
  tickerId(st: S, b: Uint8Array, a: number, z: number): number;
  daysFromCivil(y: number, m: number, d: number): number;
  daysInMonth(y: number, m: number): number;
  isPad(c: number): boolean;
  POW10: Float64Array;
  PERIOD_OK: Uint8Array;
}

const VALUE_VAR: Record<number, string> = {
  [ROLE_OPEN]: "o",
  [ROLE_HIGH]: "h",
  [ROLE_LOW]: "l",
  [ROLE_CLOSE]: "c",
  [ROLE_VOL]: "v",
  [ROLE_OI]: "oi",
};

/** Reads digits at i into `acc`, leaving i at the first non-digit. */
function digits(acc: string): string {
  return `for (;;) { const d = (b[i] - 48) >>> 0; if (d > 9) break; ${acc} = ${acc} * 10 + d; i++; }`;
}

function fieldCode(role: number, sep: number): string {
  if (role >= ROLE_OPEN) {
    const x = VALUE_VAR[role]!;
    return `{
      let neg = false;
      if (b[i] === 45) { neg = true; i++; }
      let m = 0;
      const i0 = i;
      ${digits("m")}
      let nd = i - i0;
      let x;
      if (b[i] === 46) {
        const i1 = ++i;
        ${digits("m")}
        const fr = i - i1;
        nd += fr;
        x = m / POW10[fr];
      } else x = m;
      if (nd === 0 || nd > 15) break lines;
      ${x} = neg ? -x : x;
    }`;
  }
  switch (role) {
    case ROLE_DATE:
      return `{
      let a = 0;
      const i0 = i;
      ${digits("a")}
      if (i - i0 !== 8) {
        // YYYY-MM-DD (two-digit month and day; other forms go to the general path).
        if (i - i0 !== 4 || b[i] !== 45 || a > 2200) break lines;
        const m1 = (b[i + 1] - 48) >>> 0, m2 = (b[i + 2] - 48) >>> 0;
        const d1 = (b[i + 4] - 48) >>> 0, d2 = (b[i + 5] - 48) >>> 0;
        if (m1 > 9 || m2 > 9 || b[i + 3] !== 45 || d1 > 9 || d2 > 9) break lines;
        a = a * 10000 + (m1 * 10 + m2) * 100 + d1 * 10 + d2;
        i += 6;
      }
      if (a === ymdCache) dateV = daysCache;
      else {
        const dd = a % 100;
        if (((a / 100) | 0) === ((ymdCache / 100) | 0) && dd <= 28 && dd >= 1) {
          dateV = daysCache + (a - ymdCache);
        } else {
          const y = (a / 10000) | 0;
          const mo = ((a / 100) | 0) % 100;
          if (mo < 1 || mo > 12 || dd < 1 || dd > daysInMonth(y, mo) || y < 1000) break lines;
          dateV = daysFromCivil(y, mo, dd);
        }
        ymdCache = a;
        daysCache = dateV;
      }
    }`;
    case ROLE_TICKER:
      return `{
      let z = i;
      for (;;) { const ch = b[z]; if (ch === ${sep} || ch === 10 || ch === 13) break; z++; }
      const len = z - i;
      let same = len === tickLen;
      if (same) {
        let k = 0;
        while (k < len && b[i + k] === tickBytes[k]) k++;
        same = k === len;
      }
      if (!same) {
        if (len === 0 || b[z] !== ${sep} || isPad(b[i]) || isPad(b[z - 1])) break lines;
        const id = tickerId(st, b, i, z);
        if (id < 0) break lines;
        tickId = id;
        tickLen = len;
        tickBytes = st.tickBytes;
      }
      sym = tickId;
      i = z;
    }`;
    case ROLE_TIME:
      return `{
      let a = 0;
      const i0 = i;
      ${digits("a")}
      if (i - i0 !== 6 || a > 235959 || ((a / 100) | 0) % 100 >= 60 || a % 100 >= 60) break lines;
      timeV = a;
    }`;
    case ROLE_PER:
      return `{
      let ch = b[i];
      if (ch >= 97 && ch <= 122) ch -= 32;
      if (ch >= 128 || PERIOD_OK[ch] !== 1) break lines;
      period = ch;
      i++;
    }`;
    default:
      return `for (;;) { const ch = b[i]; if (ch === ${sep} || ch === 10 || ch === 13) break; i++; }`;
  }
}

/** Code after field f: a separator, or the end of the line (allowed once the required fields are in). */
function fieldEnd(f: number, last: number, minFields: number, sep: number, maxFields?: number): string {
  const eol = `if (ch === 13) { if (b[i + 1] !== 10) break lines; i++; } else if (ch !== 10) break lines;`;
  if (f === last) {
    if (maxFields === undefined)
      return `{ const ch = b[i]; if (ch === ${sep}) i = b.indexOf(10, i); else { ${eol} } }`;
    // Columns past the layout are ignored up to the file's width (trailing empty ones always);
    // a row wider than that goes to the general path, which rejects it.
    return `{ const ch = b[i]; if (ch === ${sep}) {
      let extra = 0, pending = 0, j = i;
      for (;;) { const x = b[j]; if (x === 10) break; if (x === ${sep}) pending++; else if (x !== 13 && x !== 32 && x !== 9) { extra += pending; pending = 0; } j++; }
      if (${last + 1} + extra > ${maxFields}) break lines;
      i = j;
    } else { ${eol} } }`;
  }
  const early = f + 1 < minFields ? "break lines;" : "break row;";
  return `{ const ch = b[i]; if (ch === ${sep}) i++; else { ${eol} ${early} } }`;
}

export function fastLinesSource(layout: AsciiLayout): string {
  const roles = layout.roles;
  const sep = layout.sep;
  const last = roles.length - 1;
  const { has } = layout;
  const fields = roles
    .map((r, f) => `${fieldCode(r, sep)}\n${fieldEnd(f, last, layout.minFields, sep, layout.maxFields)}`)
    .join("\n");
  const time = has.time ? "(timeV === 0 && period !== 73 ? -1 : timeV)" : "-1";
  return `
  let n = st.n, cap = st.cap;
  let symbolIndex = st.symbolIndex, perCol = st.period, dateCol = st.date, timeCol = st.time;
  let open = st.open, high = st.high, low = st.low, close = st.close, volume = st.volume, openint = st.openint;
  let ymdCache = st.ymdCache, daysCache = st.daysCache;
  let prevSym = st.prevSym, prevPer = st.prevPer, prevKey = st.prevKey, line = st.line;
  let tickLen = st.tickLen, tickBytes = st.tickBytes, tickId = st.tickId;
  const defaultId = st.defaultId;
  lines: while (p < stop) {
    if (n >= cap) {
      st.n = n;
      growState(st);
      cap = st.cap;
      symbolIndex = st.symbolIndex; perCol = st.period; dateCol = st.date; timeCol = st.time;
      open = st.open; high = st.high; low = st.low; close = st.close; volume = st.volume; openint = st.openint;
    }
    let i = p;
    let period = 68, dateV = -1, timeV = -1;
    let o = NaN, h = NaN, l = NaN, c = NaN, v = 0, oi = NaN;
    let sym = defaultId;
    row: {
${fields}
    }
    line++;
    ${!has.per && has.time ? "if (timeV > 0) period = 73;" : ""}
    symbolIndex[n] = sym;
    perCol[n] = period;
    dateCol[n] = dateV;
    const t = ${time};
    timeCol[n] = t;
    const key = dateV * 1000000 + t + 1;
    if (sym === prevSym && period === prevPer && key <= prevKey) {
      if (key < prevKey) { if (st.descending++ === 0) st.firstDescendingLine = line; }
      else if (st.repeated++ === 0) st.firstRepeatedLine = line;
    }
    prevSym = sym; prevPer = period; prevKey = key;
    open[n] = ${has.open ? "o" : "c"};
    high[n] = ${has.high ? "h" : "c"};
    low[n] = ${has.low ? "l" : "c"};
    close[n] = c;
    volume[n] = v;
    openint[n] = oi;
    n++;
    p = i + 1;
  }
  st.n = n;
  st.ymdCache = ymdCache; st.daysCache = daysCache;
  st.prevSym = prevSym; st.prevPer = prevPer; st.prevKey = prevKey;
  st.line = line;
  return p;`;
}

const compiled = new Map<string, unknown>();

/** The compiled loop for `layout` (cached: one compilation, and one JIT warm-up, per layout). */
export function compileFastLines<S>(layout: AsciiLayout, env: FastEnv<S>): FastLines<S> {
  const key = `${layout.sep}|${layout.roles.join(",")}|${layout.minFields}|${layout.maxFields}`;
  let fn = compiled.get(key) as FastLines<S> | undefined;
  if (!fn) {
    const factory = new Function(
      "env",
      `"use strict";
      const { growState, tickerId, daysFromCivil, daysInMonth, isPad, POW10, PERIOD_OK } = env;
      return function fastLines(st, b, p, stop) {${fastLinesSource(layout)}\n};`,
    ) as (env: FastEnv<S>) => FastLines<S>;
    fn = factory(env);
    compiled.set(key, fn);
  }
  return fn;
}
