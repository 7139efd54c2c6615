import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { TaskEvent } from "../../platform/pipeline/index.ts";
import { colorEnabled, GridPrinter, gridMode } from "./printer.ts";
import { formatProgress, renderEventLine, renderGrid } from "./render.ts";
import { initialGrid, reduceGrid, type TaskPlan } from "./state.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const plan: TaskPlan[] = [
  { id: "core.accounts", stage: "core", label: "accounts" },
  { id: "core.quote-token", stage: "core", label: "quote token" },
  { id: "sym.chains", stage: "symbols", label: "option chains" },
  { id: "sym.equities", stage: "symbols", label: "equities" },
  { id: "eod.metastock", stage: "eod", label: "metastock" },
  { id: "math.stats", stage: "math", label: "statistics" },
];
const ev = (type: TaskEvent["type"], task: string, extra: Partial<TaskEvent> = {}): TaskEvent => {
  const p = plan.find((x) => x.id === task)!;
  return { type, stage: p.stage, task, label: p.label, at: 1000, ...extra };
};
const ESC = /\x1b/;

describe("grid renderer (pure)", () => {
  const events: TaskEvent[] = [
    ev("start", "core.accounts"),
    ev("done", "core.accounts", { count: 2, unit: "accounts", seconds: 0.12 }),
    ev("start", "sym.chains", { at: 500 }),
    ev("progress", "sym.chains", { done: 2800, total: 6890, unit: "symbols" }),
    ev("skipped", "sym.equities", { count: 507, reason: "cached" }),
    ev("failed", "eod.metastock", { reason: "bad.txt: line 3: invalid date" }),
  ];
  const state = events.reduce(reduceGrid, initialGrid(plan));

  test("four fixed panels with per-task START/progress/DONE/SKIPPED/FAILED", () => {
    const text = renderGrid(state, { width: 120, color: false }).join("\n");
    for (const title of ["Core Data", "Symbol Data", "EOD Data", "Math"]) expect(text).toContain(title);
    expect(text).toContain("2800 of 6890 (40.6%)");
    expect(text).toContain("DONE 2 accounts 0.12s 17/s");
    expect(text).toContain("SKIPPED (cached) 507");
    expect(text).toContain("FAILED bad.txt: line 3: invalid date");
    expect(text).toContain("waiting");
    expect(text).not.toMatch(ESC);
  });

  test("the screen has a constant height and width whatever the task states (in-place redraw)", () => {
    const empty = renderGrid(initialGrid(plan), { width: 120, color: false });
    const busy = renderGrid(state, { width: 120, color: false });
    expect(busy.length).toBe(empty.length);
    for (const l of busy.slice(0, -1)) expect([...l].length).toBe(120);
    const narrow = renderGrid(state, { width: 60, color: false });
    for (const l of narrow.slice(0, -1)) expect([...l].length).toBe(60);
    expect(narrow.length).toBeGreaterThan(busy.length); // stacked panels
  });

  test("colour only when asked", () => {
    expect(renderGrid(state, { width: 120, color: true }).join("\n")).toMatch(ESC);
  });

  test("progress formatting", () => {
    expect(formatProgress(2800, 6890)).toBe("2800 of 6890 (40.6%)");
    expect(formatProgress(12, null, "files")).toBe("12 files");
  });

  test("plain lines: one per state change, none for progress, no escape codes", () => {
    const lines = events.map((e) => renderEventLine(e));
    expect(lines[3]).toBeNull();
    expect(lines.filter(Boolean)).toHaveLength(5);
    expect(lines[1]).toBe("[   1.00s] Core Data / accounts: DONE 2 accounts in 0.12s (17 accounts/s)");
    expect(lines[4]).toContain("SKIPPED (cached)");
    for (const l of lines) if (l) expect(l).not.toMatch(ESC);
  });
});

describe("grid printer", () => {
  test("non-TTY: plain lines only, no escape codes, final status line", () => {
    let out = "";
    const p = new GridPrinter(plan, {
      stream: { write: (s: string) => (out += s) },
      mode: "plain",
      color: false,
    });
    p.onEvent(ev("start", "core.accounts"));
    p.onEvent(ev("progress", "core.accounts", { done: 1, total: 2 }));
    p.onEvent(ev("done", "core.accounts", { count: 2, seconds: 0.1 }));
    const screen = p.finish("complete", 1.5);
    expect(out.trim().split("\n")).toHaveLength(3);
    expect(out).not.toMatch(ESC);
    expect(out).toContain("run complete in 1.50s");
    expect(screen.join("\n")).toContain("COMPLETE in 1.50s");
  });

  test("TTY: frames are redrawn in place (cursor up by the previous frame height)", () => {
    let out = "";
    const p = new GridPrinter(plan, {
      stream: { write: (s: string) => (out += s), isTTY: true, columns: 121 },
      mode: "tty",
      color: false,
      intervalMs: 5,
    });
    const height = renderGrid(initialGrid(plan), { width: 120, color: false }).length;
    p.onEvent(ev("start", "core.accounts"));
    p.finish("complete", 0.5);
    expect(out).toContain(`\x1b[${height}F`);
    expect(out.endsWith("\x1b[?25h")).toBe(true);
  });

  test("mode and colour selection: NO_COLOR, TERM=dumb, pipes", () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({ NO_COLOR: "1" }, true)).toBe(false);
    expect(colorEnabled({}, false)).toBe(false);
    expect(gridMode({}, true)).toBe("tty");
    expect(gridMode({ TERM: "dumb" }, true)).toBe("plain");
    expect(gridMode({}, false)).toBe("plain");
    expect(gridMode({}, true, true)).toBe("off");
  });
});

describe("grid renderer properties", () => {
  test("any sequence of events keeps the screen at a fixed height and exact width", async () => {
    const fc = (await import("fast-check")).default;
    const types = ["start", "progress", "done", "skipped", "failed"] as const;
    const event = fc.record({
      type: fc.constantFrom(...types),
      task: fc.constantFrom(...plan.map((p) => p.id)),
      done: fc.nat(100000),
      total: fc.option(fc.nat(100000)),
      count: fc.nat(10_000_000),
      seconds: fc.double({ min: 0, max: 1000, noNaN: true }),
      reason: fc.string({ maxLength: 200, unit: "binary" }),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), fc.integer({ min: 40, max: 200 }), (events, width) => {
        let s = initialGrid(plan);
        const height = renderGrid(s, { width, color: false }).length;
        for (const e of events) s = reduceGrid(s, ev(e.type, e.task, e));
        const lines = renderGrid(s, { width, color: false });
        expect(lines.length).toBe(height);
        for (const l of lines.slice(0, -1))
          expect([...l].length).toBe(width >= 100 ? Math.floor(width / 2) * 2 : width);
      }),
      { numRuns: 300 },
    );
  });
});
