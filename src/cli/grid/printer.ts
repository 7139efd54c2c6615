/**
 * Drives the grid on a real stream. On a TTY the four panels are redrawn in place (cursor moves
 * up over the previous frame; at most one frame per interval; no scrolling). Elsewhere one plain
 * line per state change, no escape codes. `NO_COLOR` (any non-empty value) or TERM=dumb turns
 * colour off; a dumb terminal also gets plain lines.
 */
import type { TaskEvent } from "../../platform/pipeline/index.ts";
import { renderEventLine, renderGrid } from "./render.ts";
import { finishGrid, type GridState, initialGrid, reduceGrid, type TaskPlan } from "./state.ts";

export type GridMode = "tty" | "plain" | "off";

export interface OutputStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  /** A TTY stream emits "resize" when the terminal changes size. */
  on?(event: "resize", fn: () => void): unknown;
  off?(event: "resize", fn: () => void): unknown;
}

export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== "dumb";
}

export function gridMode(env: NodeJS.ProcessEnv, isTTY: boolean, quiet = false): GridMode {
  if (quiet) return "off";
  return isTTY && env.TERM !== "dumb" ? "tty" : "plain";
}

export interface GridPrinterOptions {
  stream: OutputStream;
  mode: GridMode;
  color: boolean;
  /** Minimum ms between TTY frames. */
  intervalMs?: number;
}

export class GridPrinter {
  private state: GridState;
  private drawnLines = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private dirty = false;
  private readonly started = performance.now();

  constructor(
    plan: readonly TaskPlan[],
    private readonly o: GridPrinterOptions,
  ) {
    this.state = initialGrid(plan);
    if (o.mode === "tty") {
      this.o.stream.on?.("resize", this.onResize);
      this.o.stream.write("\x1b[?25l"); // hide the cursor while redrawing
      this.draw();
      this.timer = setInterval(() => {
        // Keep running tasks' elapsed time moving even without events.
        this.state = { ...this.state, at: performance.now() - this.started };
        this.dirty = true;
        this.flush();
      }, o.intervalMs ?? 100);
      this.timer.unref?.();
    }
  }

  get snapshot(): GridState {
    return this.state;
  }

  onEvent = (e: TaskEvent): void => {
    this.state = reduceGrid(this.state, e);
    if (this.o.mode === "plain") {
      const line = renderEventLine(e, this.o.color);
      if (line) this.o.stream.write(`${line}\n`);
    } else if (this.o.mode === "tty") {
      this.dirty = true;
    }
  };

  /** Re-layout for the new size at once (the old frame's line count no longer applies). */
  private onResize = (): void => {
    this.dirty = true;
    this.draw();
  };

  private flush(): void {
    if (this.dirty) this.draw();
  }

  private draw(): void {
    const lines = renderGrid(this.state, {
      width: (this.o.stream.columns ?? 100) - 1,
      ...(this.o.stream.rows ? { height: this.o.stream.rows } : {}),
      color: this.o.color,
    });
    // Back to the frame's first line, then clear to the end of the screen: a frame that shrank
    // (resize, re-layout) leaves nothing stale below it.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : "";
    this.o.stream.write(`${up}\x1b[J${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
    this.drawnLines = lines.length;
    this.dirty = false;
  }

  /** Final frame (TTY) and the final screen as plain lines (for reports and the bench). */
  finish(status: NonNullable<GridState["final"]>["status"], seconds: number): string[] {
    this.state = finishGrid({ ...this.state, at: seconds * 1000 }, status, seconds);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.o.stream.off?.("resize", this.onResize);
    if (this.o.mode === "tty") {
      this.draw();
      this.o.stream.write("\x1b[?25h");
    } else if (this.o.mode === "plain") {
      this.o.stream.write(`run ${status} in ${seconds.toFixed(2)}s\n`);
    }
    return renderGrid(this.state, { width: 100, color: false });
  }
}
