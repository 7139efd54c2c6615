/**
 * `ttapi run --demo --days N`: N consecutive trading days of cron runs against the simulated
 * exchange, so a newcomer gets a lake with history in seconds. Every day is one ordinary pipeline
 * run whose sim shows the market as it was that day — one price history through the last day,
 * seen up to the day being played (prices, IVs and chains move from day to day; nothing from a
 * later day leaks into an earlier one) — with the snapshot clock at that day's close, so each day
 * lands in its own `date=…` partition. Days are sessions: weekends and exchange holidays are
 * skipped. Deterministic: the same seed and N give the same lake.
 */
import { isoFromDays } from "../../core/bars.ts";
import { usageError } from "../../core/errors.ts";
import { isTradingDay, sessionCloseUtc } from "../../core/time.ts";
import { EXIT_CODES, type RunPipelineOptions, type RunStatus, type RunSummary, runPipeline } from "./run.ts";

/** The sim's fixed market date (see src/sim: DEFAULT_SIM_TODAY), the last day played by default. */
export const DEMO_LAST_DAY = "2026-08-04";
/** Each played day keeps at least this much price history before it (the sim needs 100 sessions). */
export const MAX_DEMO_DAYS = 500;

const DAY_MS = 86_400_000;

/** The `n` trading days ending with (and including) the session on or before `last`, ascending. */
export function demoDays(n: number, last = DEMO_LAST_DAY): number[] {
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_DEMO_DAYS))
    throw usageError(`--days must be a whole number from 1 to ${MAX_DEMO_DAYS}, got ${n}`, {
      hint: "e.g. ttapi run --demo --days 30",
    });
  let d = Math.floor(Date.parse(`${last}T00:00:00Z`) / DAY_MS);
  if (!Number.isFinite(d)) throw usageError(`invalid last demo day "${last}"`, { hint: "use YYYY-MM-DD" });
  const out: number[] = [];
  while (out.length < n) {
    if (isTradingDay(d)) out.push(d);
    d--;
  }
  return out.reverse();
}

export interface DemoDay {
  date: string;
  summary: RunSummary;
}

export interface DemoDaysResult {
  days: DemoDay[];
  /** The worst day's status (failed > cancelled > degraded > complete). */
  status: RunStatus;
  exitCode: number;
  seconds: number;
}

const SEVERITY: Record<RunStatus, number> = { complete: 0, degraded: 1, failed: 2, cancelled: 3 };

export async function runDemoDays(
  o: RunPipelineOptions & { days: number; lastDay?: string },
  onDay?: (index: number, date: string, phase: "start" | "done", summary?: RunSummary) => void,
): Promise<DemoDaysResult> {
  if (!o.demo) throw usageError("--days only applies with --demo", { hint: "add --demo" });
  const started = performance.now();
  const days = demoDays(o.days, o.lastDay ?? DEMO_LAST_DAY);
  const pathEnd = isoFromDays(days[days.length - 1]!);
  const out: DemoDay[] = [];
  let status: RunStatus = "complete";
  for (let i = 0; i < days.length; i++) {
    if (o.signal?.aborted) break;
    const date = isoFromDays(days[i]!);
    onDay?.(i, date, "start");
    const { days: _n, lastDay: _l, ...run } = o;
    const summary = await runPipeline({
      ...run,
      // A cron run: what has not changed since yesterday (the MetaStock import) is reused.
      cached: !o.force,
      demo: { ...o.demo, today: date, pathEnd, replayFrom: isoFromDays(days[0]!) },
      asOf: new Date(sessionCloseUtc(days[i]!)),
    });
    out.push({ date, summary });
    onDay?.(i, date, "done", summary);
    if (SEVERITY[summary.status] > SEVERITY[status]) status = summary.status;
    if (summary.status === "cancelled") break;
  }
  if (o.signal?.aborted && status !== "failed") status = "cancelled";
  return { days: out, status, exitCode: EXIT_CODES[status], seconds: (performance.now() - started) / 1000 };
}
