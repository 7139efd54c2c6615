/** The run's exit code is the class of its first fatal cause; failures are named and deduplicated. */
import { describe, expect, test } from "bun:test";
import { type OutcomeTask, runExitCode, runFailures } from "./outcome.ts";

const task = (id: string, extra: Partial<OutcomeTask>): OutcomeTask => ({
  id,
  stage: "symbols",
  label: id,
  state: "done",
  count: 1,
  unit: "rows",
  ...extra,
});

describe("run outcome", () => {
  test("exit code: the class of the first root cause (auth 77, network 69, rate limit 75, config 78)", () => {
    const failedWith = (code: string, causeCode?: string) =>
      runExitCode("failed", [
        task("a", { state: "failed", reason: "input b failed", endedAt: 1 }),
        task("b", { state: "failed", reason: "x", code, ...(causeCode ? { causeCode } : {}), endedAt: 2 }),
        task("c", { state: "failed", reason: "y", code: "E_PARSE", endedAt: 3 }),
      ]);
    expect(failedWith("E_AUTH")).toBe(77);
    expect(failedWith("E_NETWORK")).toBe(69);
    expect(failedWith("E_HTTP")).toBe(69);
    expect(failedWith("E_RATE_LIMIT")).toBe(75);
    expect(failedWith("E_TIMEOUT")).toBe(75);
    expect(failedWith("E_CONFIG")).toBe(78);
    expect(failedWith("E_DEGRADED", "E_RATE_LIMIT")).toBe(75);
    expect(failedWith("E_DEGRADED")).toBe(1);
    expect(failedWith("E_INTERNAL")).toBe(1);
    expect(runExitCode("degraded", [])).toBe(3);
    expect(runExitCode("complete", [])).toBe(0);
    expect(runExitCode("cancelled", [])).toBe(130);
  });

  test("failures: root causes and shortfalls named; consequences left out; same cause once", () => {
    const f = runFailures([
      task("core.accounts", { state: "failed", reason: "no credentials", code: "E_AUTH", label: "accounts" }),
      task("core.quote-token", {
        state: "failed",
        reason: "no credentials",
        code: "E_AUTH",
        label: "quote token",
      }),
      task("core.balances", { state: "failed", reason: "cancelled" }),
      task("math.x", { state: "failed", reason: "input accounts failed" }),
      task("sym.chains", { degraded: "1 of 10 symbols missing: NOPE (HTTP 404)" }),
    ]);
    expect(f).toEqual([
      {
        task: "core.accounts",
        label: "accounts, quote token",
        stage: "symbols",
        kind: "failed",
        reason: "no credentials",
        code: "E_AUTH",
      },
      {
        task: "sym.chains",
        label: "sym.chains",
        stage: "symbols",
        kind: "degraded",
        reason: "1 of 10 symbols missing: NOPE (HTTP 404)",
      },
    ]);
  });
});
