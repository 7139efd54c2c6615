/**
 * Simple and log returns of a close series. Output has one element per input row: element i is
 * the return from row i−1 to row i; element 0 (no previous close) and any return touching a
 * non-positive or missing close are NaN here and are turned into null with a reason by the
 * callers that publish results.
 */

export function logReturns(close: Float64Array, out = new Float64Array(close.length)): Float64Array {
  if (close.length > 0) out[0] = Number.NaN;
  let prev = close[0]!;
  for (let i = 1; i < close.length; i++) {
    const c = close[i]!;
    out[i] = c > 0 && prev > 0 ? Math.log(c / prev) : Number.NaN;
    prev = c;
  }
  return out;
}

export function simpleReturns(close: Float64Array, out = new Float64Array(close.length)): Float64Array {
  if (close.length > 0) out[0] = Number.NaN;
  let prev = close[0]!;
  for (let i = 1; i < close.length; i++) {
    const c = close[i]!;
    out[i] = c > 0 && prev > 0 ? c / prev - 1 : Number.NaN;
    prev = c;
  }
  return out;
}
