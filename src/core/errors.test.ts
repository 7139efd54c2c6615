import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { ERROR_CODES, exitCodeFor, parseError, TTError, toTTError, usageError } from "./errors.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

describe("errors", () => {
  test("every code maps to a distinct-enough exit code and a label", () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(spec.exit).toBeGreaterThan(0);
      expect(spec.label.length).toBeGreaterThan(0);
      expect(exitCodeFor(new TTError(code as keyof typeof ERROR_CODES, "x"))).toBe(spec.exit);
    }
    expect(exitCodeFor(usageError("bad flag"))).toBe(2);
    expect(exitCodeFor(new RangeError("bug"))).toBe(70);
  });

  test("keeps cause and hint", () => {
    const cause = new SyntaxError("Unexpected token");
    const e = parseError("data.csv:12: bad date", { cause, hint: "use YYYYMMDD" });
    expect(e.code).toBe("E_PARSE");
    expect(e.cause).toBe(cause);
    expect(e.hint).toBe("use YYYYMMDD");
    expect(e).toBeInstanceOf(Error);
  });

  test("wraps foreign errors: I/O errno → E_IO, aborts → E_CANCELLED", () => {
    const enoent = Object.assign(new Error("no such file"), { code: "ENOENT" });
    expect(toTTError(enoent).code).toBe("E_IO");
    const abort = new DOMException("aborted", "AbortError");
    expect(toTTError(abort).code).toBe("E_CANCELLED");
    expect(exitCodeFor(abort)).toBe(130);
  });
});
