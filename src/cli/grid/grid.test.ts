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
    expect(text).toContain("DONE 2 accounts 0.12s 17 accounts/s");
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
    expect(narrow.length).toBe(plan.length + 1); // compact: one line per task + the footer
  });

  test("fits the terminal: 2×2 on 80×24, one line per task when narrow or short, per stage when tiny", () => {
    // The full pipeline's 16 tasks (core 4, symbols 5, eod 4, math 3).
    const full: TaskPlan[] = [
      ...["accounts", "balances", "positions", "quote token"].map((l, i) => ({
        id: `c${i}`,
        stage: "core" as const,
        label: l,
      })),
      ...["universe", "equities", "option chains", "market metrics", "quotes"].map((l, i) => ({
        id: `s${i}`,
        stage: "symbols" as const,
        label: l,
      })),
      ...["demo fixtures", "metastock", "dxlink candles", "merge + dedupe"].map((l, i) => ({
        id: `e${i}`,
        stage: "eod" as const,
        label: l,
      })),
      ...["statistics", "iv vs hv", "expected moves"].map((l, i) => ({
        id: `m${i}`,
        stage: "math" as const,
        label: l,
      })),
    ];
    const g = initialGrid(full);
    const at80x24 = renderGrid(g, { width: 79, height: 24, color: false });
    expect(at80x24.length).toBeLessThanOrEqual(23);
    expect(at80x24[0]).toContain("Core Data");
    expect(at80x24[0]).toContain("Symbol Data"); // side by side
    for (const l of at80x24) expect([...l].length).toBeLessThanOrEqual(79);
    const narrow = renderGrid(g, { width: 60, height: 24, color: false });
    expect(narrow.length).toBe(full.length + 1);
    expect(narrow.filter((l) => l.startsWith("Symbol Data")).length).toBe(1);
    for (const l of narrow) expect([...l].length).toBeLessThanOrEqual(60);
    const short = renderGrid(g, { width: 120, height: 12, color: false });
    expect(short.length).toBeLessThanOrEqual(11);
    expect(short.length).toBe(5); // one line per stage + footer
    const tallNarrow = renderGrid(g, { width: 79, height: 15, color: false });
    expect(tallNarrow.length).toBeLessThanOrEqual(14); // 2×2 (7 + 6 lines) + footer just fits
  });

  test("the printer re-lays out on resize and clears what the old frame left", () => {
    const out: string[] = [];
    const listeners: (() => void)[] = [];
    const stream = {
      columns: 120,
      rows: 40,
      isTTY: true,
      write: (s: string) => out.push(s),
      on: (_e: "resize", fn: () => void) => listeners.push(fn),
      off: (_e: "resize", fn: () => void) => listeners.splice(listeners.indexOf(fn), 1),
    };
    const p = new GridPrinter(plan, { stream, mode: "tty", color: false, intervalMs: 60_000 });
    const wide = out.join("");
    expect(wide).toContain("┌─ Core Data");
    stream.columns = 60;
    out.length = 0;
    for (const fn of listeners) fn();
    const narrow = out.join("");
    expect(narrow).toContain("\x1b[J"); // cleared below the cursor after moving up
    expect(narrow).not.toContain("┌─ Core Data"); // compact now
    expect(narrow).toMatch(/Core Data +· accounts/);
    p.finish("complete", 1);
    expect(listeners.length).toBe(0);
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
          expect([...l].length).toBe(width >= 78 ? Math.floor(width / 2) * 2 : width);
      }),
      { numRuns: 300 },
    );
  });
});

describe("wording", () => {
  test("units agree with counts, no rates that print as 0, a finished-but-running task says finishing", () => {
    const one = renderEventLine(
      ev("done", "core.quote-token", { count: 1, unit: "tokens", seconds: 5 }),
      false,
    )!;
    expect(one).toContain("DONE 1 token in 5.00s");
    expect(one).not.toContain("/s)"); // 0.2 tokens/s is noise
    const many = renderEventLine(
      ev("done", "core.accounts", { count: 20_000, unit: "bars", seconds: 2 }),
      false,
    )!;
    expect(many).toContain("DONE 20000 bars in 2.00s (10.0k bars/s)");
    expect(renderEventLine(ev("skipped", "sym.equities", { count: 1, unit: "files" }), false)).toContain(
      "SKIPPED (cached) 1 file",
    );
    expect(formatProgress(1, 1)).toBe("1 of 1 · finishing");
    expect(formatProgress(1, 4)).toBe("1 of 4 (25.0%)");
    expect(renderEventLine(ev("failed", "math.stats", { reason: "cancelled" }), false)).toContain("STOPPED");
  });
});
