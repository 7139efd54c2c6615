/**
 * Columnar decoder for `/option-chains/{symbol}/nested` responses: one pass over the body text
 * that extracts the fields ttapi keeps straight into typed arrays, without building a JS object
 * per strike or a string per symbol. Chains are ~95 % of a universe collection's bytes (≈ 180k
 * strikes, 720k symbol strings for 507 underlyings), and `JSON.parse` materialising all of that
 * was most of the client's CPU.
 *
 * Strings are kept as (start, end) offsets into the body; `text.slice` turns one into a string
 * only when a record or a DataFrame asks for it. The body text is shared, not copied.
 *
 * The scanner is a pure kernel with a strict contract: it returns the decoded chains only when
 * the body is well-formed JSON of the expected shape with values the record decoders accept
 * without error (one leniency: raw control characters inside strings, which JSON forbids and no
 * truncation can produce, are not checked); for anything else (a truncated body, a number where a string belongs, an
 * escaped string, pagination, an unknown value shape) it returns null and the caller takes the
 * generic `JSON.parse` + `decodeNestedChain` path, which produces the right record or the
 * precise error. Both paths give equal records (property-tested).
 */

/** Strike columns of one response: one entry per strike, in wire order. */
export interface StrikeColumns {
  /** The body the string offsets point into. */
  readonly text: string;
  readonly length: number;
  /** NaN where the wire had null / "" / "NaN" (→ null in records). */
  readonly strikePrice: Float64Array;
  /**
   * Symbol offsets, 8 per strike: [start, end) of call, call streamer, put, put streamer (see
   * SYMBOL_FIELDS) in `text`; start −1 = null.
   */
  readonly symbols: Int32Array;
}

/** Offsets of each symbol field within a strike's 8 entries of `StrikeColumns.symbols`. */
export const SYMBOL_FIELDS = { call: 0, callStreamer: 2, put: 4, putStreamer: 6 } as const;
const STRIDE = 8;

export interface ScannedExpiration {
  expirationDate: string | null;
  daysToExpiration: number | null;
  expirationType: string | null;
  settlementType: string | null;
  /** Strike range [from, to) in the response's StrikeColumns. */
  from: number;
  to: number;
}

export interface ScannedChain {
  underlyingSymbol: string;
  rootSymbol: string | null;
  optionChainType: string | null;
  sharesPerContract: number | null;
  expirations: ScannedExpiration[];
}

export interface ScannedChains {
  chains: ScannedChain[];
  strikes: StrikeColumns;
}

/**
 * Bump allocator for the strike columns: one response's columns are carved out of a shared slab
 * (a view), and the unused tail of the estimate is handed back right after the (synchronous)
 * scan. Hundreds of responses per collection then cost a few large allocations instead of two
 * typed arrays each, which was ~10 % of the client's CPU. A slab lives as long as any chain
 * record still points into it.
 */
class Slabs {
  private p = new Float64Array(0);
  private pUsed = 0;
  private y = new Int32Array(0);
  private yUsed = 0;
  private static readonly P_SLAB = 1 << 16;

  price(n: number): Float64Array {
    if (this.pUsed + n > this.p.length) {
      this.p = new Float64Array(Math.max(Slabs.P_SLAB, n));
      this.pUsed = 0;
    }
    const v = this.p.subarray(this.pUsed, this.pUsed + n);
    this.pUsed += n;
    return v;
  }

  sym(n: number): Int32Array {
    if (this.yUsed + n > this.y.length) {
      this.y = new Int32Array(Math.max(Slabs.P_SLAB * STRIDE, n));
      this.yUsed = 0;
    }
    const v = this.y.subarray(this.yUsed, this.yUsed + n);
    this.yUsed += n;
    return v;
  }

  /** Give back the tail of the most recent carve (no-op for a grown, standalone array). */
  release(price: Float64Array, pKeep: number, sym: Int32Array, yKeep: number): void {
    if (price.buffer === this.p.buffer && price.byteOffset / 8 + price.length === this.pUsed)
      this.pUsed = price.byteOffset / 8 + pKeep;
    if (sym.buffer === this.y.buffer && sym.byteOffset / 4 + sym.length === this.yUsed)
      this.yUsed = sym.byteOffset / 4 + yKeep;
  }
}
const slabs = new Slabs();

/** Thrown internally when the body is not the expected shape; never escapes `scanNestedChains`. */
class Unexpected {}
const UNEXPECTED = new Unexpected();

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const QUOTE = 34; // "
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;

class Scanner {
  pos = 0;
  /** Position of the next backslash at or after `pos` (Infinity when none): escapes are rare. */
  private nextEscape: number;
  // Growable strike columns, sized from the body length (a strike takes ≥ 160 bytes on the wire).
  n = 0;
  price: Float64Array;
  sym: Int32Array;
  /** No backslash anywhere in the body: the fixed-layout strike fast path is safe. */
  private readonly noEscapes: boolean;
  /** [start, end) of the last string read by `str()`. */
  s0 = 0;
  s1 = 0;

  constructor(readonly text: string) {
    const e = text.indexOf("\\");
    this.nextEscape = e < 0 ? Number.POSITIVE_INFINITY : e;
    this.noEscapes = e < 0;
    const cap = (text.length / 160 + 16) | 0;
    this.price = slabs.price(cap);
    this.sym = slabs.sym(cap * STRIDE);
  }

  ws(): number {
    const t = this.text;
    let p = this.pos;
    let c = t.charCodeAt(p);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++p);
    this.pos = p;
    return c; // NaN past the end
  }

  expect(code: number): void {
    if (this.ws() !== code) throw UNEXPECTED;
    this.pos++;
  }

  /** After a value inside a container: true when another element follows (`,`), false at `close`. */
  more(close: number): boolean {
    const c = this.ws();
    this.pos++;
    if (c === COMMA) return true;
    if (c === close) return false;
    throw UNEXPECTED;
  }

  /** A string without escapes at `pos` (which is the opening quote): sets s0/s1. */
  str(): void {
    const t = this.text;
    const start = this.pos + 1;
    const end = t.indexOf('"', start);
    if (end < 0) throw UNEXPECTED;
    if (end > this.nextEscape) {
      if (this.nextEscape < start) this.advanceEscape(start);
      if (end > this.nextEscape) throw UNEXPECTED; // escaped string: leave it to JSON.parse
    }
    this.s0 = start;
    this.s1 = end;
    this.pos = end + 1;
  }

  private advanceEscape(from: number): void {
    const e = this.text.indexOf("\\", from);
    this.nextEscape = e < 0 ? Number.POSITIVE_INFINITY : e;
  }

  /** Key of an object member (already positioned on its quote) followed by the colon. */
  key(): void {
    this.str();
    this.expect(COLON);
  }

  keyIs(name: string): boolean {
    return this.s1 - this.s0 === name.length && this.text.startsWith(name, this.s0);
  }

  /** Any JSON value, skipped (validated structurally). Escaped strings are fine here. */
  skip(): void {
    const c = this.ws();
    if (c === QUOTE) {
      this.skipString();
      return;
    }
    if (c === LBRACE) {
      this.pos++;
      if (this.ws() === RBRACE) {
        this.pos++;
        return;
      }
      do {
        if (this.ws() !== QUOTE) throw UNEXPECTED;
        this.skipString();
        this.expect(COLON);
        this.skip();
      } while (this.more(RBRACE));
      return;
    }
    if (c === LBRACKET) {
      this.pos++;
      if (this.ws() === RBRACKET) {
        this.pos++;
        return;
      }
      do this.skip();
      while (this.more(RBRACKET));
      return;
    }
    this.scalarToken();
  }

  skipString(): void {
    const t = this.text;
    let p = this.pos + 1;
    for (;;) {
      const end = t.indexOf('"', p);
      if (end < 0) throw UNEXPECTED;
      // An odd run of backslashes before the quote escapes it.
      let bs = 0;
      while (t.charCodeAt(end - 1 - bs) === BACKSLASH) bs++;
      p = end + 1;
      if (bs % 2 === 0) break;
    }
    this.pos = p;
  }

  /** A number or literal token; returns its text. */
  scalarToken(): string {
    const t = this.text;
    const start = this.pos;
    let p = start;
    for (;;) {
      const c = t.charCodeAt(p);
      // Token characters: digits, letters, '-', '+', '.'
      if (
        (c >= 48 && c <= 57) ||
        (c >= 97 && c <= 122) ||
        (c >= 65 && c <= 90) ||
        c === 45 ||
        c === 43 ||
        c === 46
      )
        p++;
      else break;
    }
    const tok = t.slice(start, p);
    if (tok !== "null" && tok !== "true" && tok !== "false" && !NUMBER_RE.test(tok)) throw UNEXPECTED;
    this.pos = p;
    return tok;
  }

  /** A string value, or null: the decoded text (null when the wire value is null). */
  optStr(): string | null {
    const c = this.ws();
    if (c === QUOTE) {
      this.str();
      return this.text.slice(this.s0, this.s1);
    }
    if (this.scalarToken() === "null") return null;
    throw UNEXPECTED; // numbers/booleans as text: the generic decoder's business
  }

  /** An integer sent as a number or a numeric string (the `int` decoder's rules), or null. */
  optInt(): number | null {
    const c = this.ws();
    let v: number;
    if (c === QUOTE) {
      this.str();
      const s = this.text.slice(this.s0, this.s1);
      if (s === "" || s === "NaN" || s === "-NaN") return null;
      v = Number(s);
    } else {
      const tok = this.scalarToken();
      if (tok === "null") return null;
      if (tok === "true" || tok === "false") throw UNEXPECTED;
      v = Number(tok);
    }
    if (!Number.isFinite(v)) return Number.isNaN(v) ? fail() : null;
    if (!Number.isInteger(v)) throw UNEXPECTED;
    return v;
  }

  optDate(): string | null {
    const v = this.optStr();
    if (v === null || v === "") return null;
    if (!DATE_RE.test(v)) throw UNEXPECTED;
    return v;
  }

  /** A symbol cell at `sym[at]`: offsets, or -1 for null. */
  symbolInto(at: number): void {
    const c = this.ws();
    if (c === QUOTE) {
      this.str();
      this.sym[at] = this.s0;
      this.sym[at + 1] = this.s1;
      return;
    }
    if (this.scalarToken() !== "null") throw UNEXPECTED;
    this.sym[at] = -1;
    this.sym[at + 1] = -1;
  }

  /** The `num` decoder's rules: numeric string or number; null, "", "NaN" → NaN (null). */
  price1(): number {
    const c = this.ws();
    if (c === QUOTE) {
      this.str();
      const s0 = this.s0;
      const s1 = this.s1;
      if (s0 === s1) return Number.NaN;
      const v = +this.text.slice(s0, s1);
      if (Number.isNaN(v)) {
        const s = this.text.slice(s0, s1);
        if (s === "NaN" || s === "-NaN") return Number.NaN;
        throw UNEXPECTED; // not a number: the generic decoder names the field
      }
      return Number.isFinite(v) ? v : Number.NaN; // `+s` is `Number(s)`: the same rules as `num`
    }
    const tok = this.scalarToken();
    if (tok === "null") return Number.NaN;
    if (tok === "true" || tok === "false") throw UNEXPECTED;
    const v = +tok;
    return Number.isFinite(v) ? v : Number.NaN;
  }

  grow(): void {
    const cap = this.price.length * 2;
    const p = new Float64Array(cap);
    p.set(this.price);
    this.price = p;
    const y = new Int32Array(cap * STRIDE);
    y.set(this.sym);
    this.sym = y;
  }

  /**
   * The compact wire layout `{"call":"…","call-streamer-symbol":"…","put":"…",
   * "put-streamer-symbol":"…","strike-price":"…"}` read with one prefix check and one quote
   * search per field. Returns false (position unchanged) for anything else, which the general
   * member loop then reads.
   */
  private fastStrike(i: number): boolean {
    const t = this.text;
    let p = this.pos;
    if (!this.noEscapes || !t.startsWith('{"call":"', p)) return false;
    const y = this.sym;
    const b = i * STRIDE;
    p += 9;
    let e = t.indexOf('"', p);
    if (e < 0) return false;
    y[b] = p;
    y[b + 1] = e;
    if (!t.startsWith('","call-streamer-symbol":"', e)) return false;
    p = e + 26;
    e = t.indexOf('"', p);
    if (e < 0) return false;
    y[b + 2] = p;
    y[b + 3] = e;
    if (!t.startsWith('","put":"', e)) return false;
    p = e + 9;
    e = t.indexOf('"', p);
    if (e < 0) return false;
    y[b + 4] = p;
    y[b + 5] = e;
    if (!t.startsWith('","put-streamer-symbol":"', e)) return false;
    p = e + 25;
    e = t.indexOf('"', p);
    if (e < 0) return false;
    y[b + 6] = p;
    y[b + 7] = e;
    if (!t.startsWith('","strike-price":"', e)) return false;
    p = e + 18;
    e = t.indexOf('"', p);
    if (e <= p || t.charCodeAt(e + 1) !== RBRACE) return false;
    const v = decimal(t, p, e);
    if (Number.isNaN(v)) return false; // "NaN", "abc", "1e3", …: the general path's rules
    this.price[i] = v;
    this.pos = e + 2;
    return true;
  }

  strike(): void {
    if (this.n === this.price.length) this.grow();
    const i = this.n++;
    if (this.ws() === LBRACE && this.fastStrike(i)) return;
    this.price[i] = Number.NaN;
    const b = i * STRIDE;
    const y = this.sym;
    y[b] = -1;
    y[b + 2] = -1;
    y[b + 4] = -1;
    y[b + 6] = -1;
    this.expect(LBRACE);
    if (this.ws() === RBRACE) {
      this.pos++;
      return;
    }
    do {
      if (this.ws() !== QUOTE) throw UNEXPECTED;
      this.key();
      // Key lengths are distinct: call 4, put 3, strike-price 12, put-streamer-symbol 19, call-streamer-symbol 20.
      const len = this.s1 - this.s0;
      if (len === 4 && this.keyIs("call")) this.symbolInto(b);
      else if (len === 3 && this.keyIs("put")) this.symbolInto(b + 4);
      else if (len === 12 && this.keyIs("strike-price")) this.price[i] = this.price1();
      else if (len === 20 && this.keyIs("call-streamer-symbol")) this.symbolInto(b + 2);
      else if (len === 19 && this.keyIs("put-streamer-symbol")) this.symbolInto(b + 6);
      else this.skip();
    } while (this.more(RBRACE));
  }

  expiration(): ScannedExpiration {
    const e: ScannedExpiration = {
      expirationDate: null,
      daysToExpiration: null,
      expirationType: null,
      settlementType: null,
      from: this.n,
      to: this.n,
    };
    let strikesSeen = false;
    this.expect(LBRACE);
    if (this.ws() === RBRACE) {
      this.pos++;
      return e;
    }
    do {
      if (this.ws() !== QUOTE) throw UNEXPECTED;
      this.key();
      if (this.keyIs("strikes")) {
        if (strikesSeen) throw UNEXPECTED; // duplicate key: JSON.parse semantics (last wins) via fallback
        strikesSeen = true;
        const c = this.ws();
        if (c === LBRACKET) {
          this.pos++;
          e.from = this.n;
          if (this.ws() === RBRACKET) this.pos++;
          else
            do this.strike();
            while (this.more(RBRACKET));
          e.to = this.n;
        } else if (this.scalarToken() !== "null") throw UNEXPECTED;
      } else if (this.keyIs("expiration-date")) e.expirationDate = this.optDate();
      else if (this.keyIs("days-to-expiration")) e.daysToExpiration = this.optInt();
      else if (this.keyIs("expiration-type")) e.expirationType = this.optStr();
      else if (this.keyIs("settlement-type")) e.settlementType = this.optStr();
      else this.skip();
    } while (this.more(RBRACE));
    return e;
  }

  chain(): ScannedChain {
    let underlying: string | null = null;
    const c: ScannedChain = {
      underlyingSymbol: "",
      rootSymbol: null,
      optionChainType: null,
      sharesPerContract: null,
      expirations: [],
    };
    let expirationsSeen = false;
    this.expect(LBRACE);
    if (this.ws() !== RBRACE) {
      do {
        if (this.ws() !== QUOTE) throw UNEXPECTED;
        this.key();
        if (this.keyIs("expirations")) {
          if (expirationsSeen) throw UNEXPECTED;
          expirationsSeen = true;
          const b = this.ws();
          if (b === LBRACKET) {
            this.pos++;
            if (this.ws() === RBRACKET) this.pos++;
            else
              do c.expirations.push(this.expiration());
              while (this.more(RBRACKET));
          } else if (this.scalarToken() !== "null") throw UNEXPECTED;
        } else if (this.keyIs("underlying-symbol")) underlying = this.optStr();
        else if (this.keyIs("root-symbol")) c.rootSymbol = this.optStr();
        else if (this.keyIs("option-chain-type")) c.optionChainType = this.optStr();
        else if (this.keyIs("shares-per-contract")) c.sharesPerContract = this.optInt();
        else this.skip();
      } while (this.more(RBRACE));
    } else this.pos++;
    if (underlying === null) throw UNEXPECTED; // required: the generic decoder reports it
    c.underlyingSymbol = underlying;
    return c;
  }

  /** `{"items":[chain, …], …}` */
  data(out: ScannedChain[]): void {
    let itemsSeen = false;
    this.expect(LBRACE);
    if (this.ws() !== RBRACE) {
      do {
        if (this.ws() !== QUOTE) throw UNEXPECTED;
        this.key();
        if (this.keyIs("items")) {
          if (itemsSeen) throw UNEXPECTED;
          itemsSeen = true;
          const b = this.ws();
          if (b === LBRACKET) {
            this.pos++;
            if (this.ws() === RBRACKET) this.pos++;
            else
              do out.push(this.chain());
              while (this.more(RBRACKET));
          } else if (this.scalarToken() !== "null") throw UNEXPECTED;
        } else this.skip();
      } while (this.more(RBRACE));
    } else this.pos++;
  }

  /** `{"data":{…}, "context": …, "pagination": null}` */
  envelope(out: ScannedChain[]): void {
    let dataSeen = false;
    this.expect(LBRACE);
    if (this.ws() === RBRACE) throw UNEXPECTED; // no data envelope
    do {
      if (this.ws() !== QUOTE) throw UNEXPECTED;
      this.key();
      if (this.keyIs("data")) {
        if (dataSeen) throw UNEXPECTED;
        dataSeen = true;
        this.data(out);
      } else if (this.keyIs("context")) {
        // `str` semantics: a string or scalar; an object or array is the generic decoder's error.
        const c = this.ws();
        if (c === QUOTE) this.skipString();
        else if (c === LBRACE || c === LBRACKET) throw UNEXPECTED;
        else this.scalarToken();
      } else if (this.keyIs("pagination")) {
        // Paginated chain responses are followed by the generic path.
        if (this.ws() !== 110 /* n */ || this.scalarToken() !== "null") throw UNEXPECTED;
      } else this.skip();
    } while (this.more(RBRACE));
    if (!dataSeen) throw UNEXPECTED;
    this.ws();
    if (this.pos < this.text.length) throw UNEXPECTED; // trailing garbage
  }

  columns(): StrikeColumns {
    const n = this.n;
    slabs.release(this.price, n, this.sym, n * STRIDE);
    // Views, not copies: the arrays are at most ~2× the strikes and die with the response.
    return {
      text: this.text,
      length: n,
      strikePrice: this.price.subarray(0, n),
      symbols: this.sym.subarray(0, n * STRIDE),
    };
  }
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * A plain decimal `-?digits(.digits)?` in text[from, to) → number, NaN for anything else.
 * With at most 15 digits the mantissa and the power of ten are exact doubles, so one correctly
 * rounded division gives exactly what `Number()` gives; it avoids the generic string→number
 * conversion, which was a third of the scan time.
 */
export function decimal(t: string, from: number, to: number): number {
  let p = from;
  const neg = t.charCodeAt(p) === 45;
  if (neg) p++;
  if (p === to || to - p > 16) return Number.NaN;
  let m = 0;
  let dot = -1;
  for (; p < to; p++) {
    const c = t.charCodeAt(p);
    if (c >= 48 && c <= 57) m = m * 10 + (c - 48);
    else if (c === 46 && dot < 0) dot = p;
    else return Number.NaN;
  }
  let v = m;
  if (dot >= 0) {
    const k = to - dot - 1;
    // "5." and ".5" are not JSON-number-like; leave them to Number().
    if (k === 0 || dot === from + (neg ? 1 : 0)) return Number.NaN;
    if (to - from - (neg ? 2 : 1) > 15) return Number.NaN;
    v = m / (POW10[k] as number);
  } else if (to - from - (neg ? 1 : 0) > 15) return Number.NaN;
  return neg ? -v : v;
}

function fail(): never {
  throw UNEXPECTED;
}

/**
 * Decode a nested-chain response body (the whole envelope) into chains + strike columns, or
 * null when the body needs the generic path (see the module comment).
 */
export function scanNestedChains(text: string): ScannedChains | null {
  const s = new Scanner(text);
  const chains: ScannedChain[] = [];
  try {
    s.envelope(chains);
  } catch (e) {
    if (e === UNEXPECTED) {
      slabs.release(s.price, 0, s.sym, 0);
      return null;
    }
    throw e;
  }
  return { chains, strikes: s.columns() };
}

/** Symbol `field` (a SYMBOL_FIELDS offset) of strike `i`, or null. */
export function symbolAt(cols: StrikeColumns, i: number, field: number): string | null {
  const at = i * STRIDE + field;
  const a = cols.symbols[at] as number;
  return a < 0 ? null : cols.text.slice(a, cols.symbols[at + 1]);
}
