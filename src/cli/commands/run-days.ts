/**
 * `ttapi run --demo --days N`: the replay of N trading days, one line per day on stderr (a grid per
 * day would scroll 30 frames past) and, with --json, one summary with every day on stdout.
 */
import type { RunPipelineOptions, RunSummary } from "../../platform/pipeline/index.ts";

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** What went wrong or short on a day, one reason per task. */
function problems(s: RunSummary): string[] {
  return s.tasks.flatMap((t) =>
    t.state === "failed"
      ? [`${t.label}: ${t.reason ?? "failed"}`]
      : t.degraded
        ? [`${t.label}: ${t.degraded}`]
        : [],
  );
}

export async function runDaysCommand(
  options: RunPipelineOptions,
  days: number,
  out: { json: boolean; quiet: boolean },
): Promise<number> {
  const { runDemoDays } = await import("../../platform/pipeline/index.ts");
  const result = await runDemoDays({ ...options, days }, (i, date, phase, summary) => {
    if (out.quiet || phase !== "done" || !summary) return;
    const options = summary.tasks.find((t) => t.id === "sym.option-quotes");
    process.stderr.write(
      `day ${i + 1}/${days} ${date} ${summary.status} in ${summary.seconds.toFixed(2)}s` +
        (options ? ` · ${options.count} option quotes` : "") +
        "\n",
    );
    for (const p of problems(summary)) process.stderr.write(`  ${p}\n`);
    if (summary.statistics && !summary.statistics.reused)
      process.stderr.write(`  ${summary.statistics.line}\n`);
  });
  if (out.json) {
    process.stdout.write(
      `${JSON.stringify({
        status: result.status,
        exitCode: result.exitCode,
        seconds: round(result.seconds),
        days: result.days.map((d) => ({
          date: d.date,
          status: d.summary.status,
          exitCode: d.summary.exitCode,
          seconds: round(d.summary.seconds),
          problems: problems(d.summary),
          tasks: d.summary.tasks.map((t) => ({ ...t, seconds: round(t.seconds) })),
          ...(d.summary.lake ? { lakeSeconds: round(d.summary.lake.seconds) } : {}),
          ...(d.summary.statistics ? { statistics: d.summary.statistics } : {}),
          ...(d.summary.sim ? { sim: d.summary.sim } : {}),
        })),
        dataDir: options.dataDir,
      })}\n`,
    );
  } else if (!out.quiet) {
    const last = result.days[result.days.length - 1];
    process.stderr.write(
      `${result.days.length} trading days played in ${result.seconds.toFixed(1)}s` +
        (last ? ` (${result.days[0]!.date} … ${last.date})` : "") +
        ` · lake in ${last?.summary.lake?.root ?? `${options.dataDir}/lake`}\n`,
    );
  }
  return result.exitCode;
}
