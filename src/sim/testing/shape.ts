/**
 * JSON shape comparison for conformance tests: the sim's answer must have the same keys and JSON
 * types as a captured response, recursively. Arrays are compared by element shape: the union of
 * the shapes of their elements (so optional keys present on some captured rows must appear on some
 * sim rows too, and vice versa).
 */
export type Shape = string | { [key: string]: Shape } | { "[]": Shape | null };

export function shapeOf(v: unknown): Shape {
  if (v === null) return "null";
  if (Array.isArray(v)) {
    let merged: Shape | null = null;
    for (const el of v) merged = merged === null ? shapeOf(el) : mergeShapes(merged, shapeOf(el));
    return { "[]": merged };
  }
  if (typeof v === "object") {
    const out: Record<string, Shape> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = shapeOf((v as Record<string, unknown>)[k]);
    return out;
  }
  return typeof v;
}

function mergeShapes(a: Shape, b: Shape): Shape {
  if (typeof a === "string" || typeof b === "string") return a === b ? a : `${a}|${b}`;
  if ("[]" in a && "[]" in b) {
    const x = a["[]"] as Shape | null;
    const y = b["[]"] as Shape | null;
    return { "[]": x === null ? y : y === null ? x : mergeShapes(x, y) };
  }
  const out: Record<string, Shape> = { ...(a as Record<string, Shape>) };
  for (const [k, v] of Object.entries(b as Record<string, Shape>))
    out[k] = k in out ? mergeShapes(out[k] as Shape, v) : v;
  return out;
}

/** Differences between two shapes as readable paths (empty = same keys and types). */
export function shapeDiff(expected: Shape, actual: Shape, path = "$"): string[] {
  if (typeof expected === "string" || typeof actual === "string") {
    return expected === actual
      ? []
      : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  const ea = "[]" in expected;
  const aa = "[]" in actual;
  if (ea !== aa) return [`${path}: expected ${ea ? "array" : "object"}, got ${aa ? "array" : "object"}`];
  if (ea) {
    const x = expected["[]"] as Shape | null;
    const y = (actual as { "[]": Shape | null })["[]"];
    if (x === null || y === null) return x === y ? [] : [`${path}[]: one side is an empty array`];
    return shapeDiff(x, y, `${path}[]`);
  }
  const out: string[] = [];
  const e = expected as Record<string, Shape>;
  const a = actual as Record<string, Shape>;
  for (const k of Object.keys(e)) {
    if (!(k in a)) out.push(`${path}.${k}: missing`);
    else out.push(...shapeDiff(e[k] as Shape, a[k] as Shape, `${path}.${k}`));
  }
  for (const k of Object.keys(a)) if (!(k in e)) out.push(`${path}.${k}: not in the capture`);
  return out;
}
