import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { sleep } from "../../core/cancel.ts";
import { dataError } from "../../core/errors.ts";
import { runGraph, type TaskDef, type TaskEvent, topoOrder } from "./graph.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

function task(
  id: string,
  deps: string[],
  ms: number,
  opts: Partial<TaskDef> & { fail?: string; cached?: boolean } = {},
): TaskDef {
  return {
    id,
    stage: opts.stage ?? "core",
    label: id,
    deps,
    run: async (ctx) => {
      await sleep(ms, ctx.signal);
      if (opts.fail) throw dataError(opts.fail);
      const sum = deps.reduce((s, d) => s + ctx.input<number>(d), 1);
      return { value: sum, count: sum, cached: opts.cached };
    },
  };
}

describe("runGraph", () => {
  test("independent tasks run concurrently; a task starts as soon as its own inputs are ready", async () => {
    const events: TaskEvent[] = [];
    const tasks = [
      task("slow", [], 200, { stage: "symbols" }),
      task("fast", [], 20, { stage: "eod" }),
      task("math-fast", ["fast"], 20, { stage: "math" }),
      task("math-all", ["slow", "math-fast"], 10, { stage: "math" }),
    ];
    const out = await runGraph(tasks, { onEvent: (e) => events.push(e) });
    const idx = (type: string, id: string) => events.findIndex((e) => e.type === type && e.task === id);
    expect(idx("start", "fast")).toBeLessThan(idx("done", "slow"));
    expect(idx("done", "math-fast")).toBeLessThan(idx("done", "slow")); // no stage barrier
    expect(idx("start", "math-all")).toBeGreaterThan(idx("done", "slow"));
    expect(out.get("math-all")?.result?.value).toBe(1 + 1 + 2); // slow=1, math-fast=1+1
  });

  test("cached tasks are reported as skipped and still feed their dependents", async () => {
    const events: TaskEvent[] = [];
    const out = await runGraph([task("a", [], 1, { cached: true }), task("b", ["a"], 1)], {
      onEvent: (e) => events.push(e),
    });
    expect(out.get("a")?.state).toBe("skipped");
    expect(events.find((e) => e.task === "a" && e.type === "skipped")?.reason).toBe("cached");
    expect(out.get("b")?.result?.value).toBe(2);
  });

  test("a failure fails its dependents with a reason; unrelated tasks finish", async () => {
    const events: TaskEvent[] = [];
    const out = await runGraph(
      [
        task("bad", [], 5, { fail: "quote token refused" }),
        task("child", ["bad"], 5),
        task("grandchild", ["child"], 5),
        task("other", [], 30),
      ],
      { onEvent: (e) => events.push(e) },
    );
    expect(out.get("bad")).toMatchObject({ state: "failed", reason: "quote token refused" });
    expect(out.get("child")).toMatchObject({ state: "failed", reason: "input bad failed" });
    expect(out.get("grandchild")).toMatchObject({ state: "failed", reason: "input child failed" });
    expect(out.get("other")?.state).toBe("done");
    expect(
      events
        .filter((e) => e.type === "failed")
        .map((e) => e.task)
        .sort(),
    ).toEqual(["bad", "child", "grandchild"]);
  });

  test("cancellation aborts running tasks and fails pending ones as cancelled", async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 30);
    const out = await runGraph([task("long", [], 5000), task("after", ["long"], 1), task("short", [], 1)], {
      signal: ctl.signal,
    });
    expect(out.get("long")).toMatchObject({ state: "failed", reason: "cancelled" });
    expect(out.get("after")).toMatchObject({ state: "failed", reason: "cancelled" });
    expect(out.get("short")?.state).toBe("done");
  });

  test("concurrency limit is honoured", async () => {
    let live = 0;
    let peak = 0;
    const mk = (id: string): TaskDef => ({
      id,
      stage: "eod",
      label: id,
      deps: [],
      run: async () => {
        peak = Math.max(peak, ++live);
        await sleep(10);
        live--;
        return { value: 0, count: 0 };
      },
    });
    await runGraph(["a", "b", "c", "d", "e"].map(mk), { concurrency: 2 });
    expect(peak).toBe(2);
  });

  test("progress events are throttled but the final one always passes", async () => {
    const events: TaskEvent[] = [];
    const t: TaskDef = {
      id: "p",
      stage: "symbols",
      label: "chains",
      deps: [],
      run: async (ctx) => {
        for (let i = 1; i <= 1000; i++) ctx.progress(i, 1000, "symbols");
        return { value: 0, count: 1000 };
      },
    };
    await runGraph([t], { onEvent: (e) => events.push(e), progressIntervalMs: 1000 });
    const prog = events.filter((e) => e.type === "progress");
    expect(prog.length).toBeLessThanOrEqual(2);
    expect(prog.at(-1)).toMatchObject({ done: 1000, total: 1000, unit: "symbols" });
  });

  test("bad graphs are rejected: unknown dependency, cycle, duplicate id, undeclared input", async () => {
    expect(() => topoOrder([task("a", ["zz"], 1)])).toThrow(/unknown task "zz"/);
    expect(() => topoOrder([task("a", ["b"], 1), task("b", ["a"], 1)])).toThrow(/cycle/);
    expect(() => topoOrder([task("a", [], 1), task("a", [], 1)])).toThrow(/duplicate/);
    const sneaky: TaskDef = {
      id: "s",
      stage: "math",
      label: "s",
      deps: [],
      run: async (ctx) => ({ value: ctx.input("a"), count: 0 }),
    };
    const out = await runGraph([task("a", [], 1), sneaky]);
    expect(out.get("s")?.reason).toContain("undeclared input");
  });
});
