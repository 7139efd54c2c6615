/**
 * `ttapi run`: the whole pipeline — Core Data, Symbol Data, EOD Data, Math — with the console
 * grid on stderr and, with --json, one JSON summary on stdout. Exit status: 0 complete,
 * 3 degraded (data missing within the threshold, or a task that returned nothing it was asked
 * for), a failed run the class of its first root cause (77 auth, 69 network, 75 rate limit,
 * 78 config… see ../../platform/pipeline/outcome.ts; 1 when none applies), 130 cancelled.
 */
import { defineCommand } from "citty";
import type { Config } from "../../core/config.ts";
import { usageError } from "../../core/errors.ts";
import { escapeControl } from "../../core/input-file.ts";
import { configureLogging, getLogger } from "../../core/log.ts";
import type { RunSummary } from "../../platform/pipeline/index.ts";
import { apiArgs, cliState, globalArgs, lakeArgs, runAction } from "../context.ts";

export default defineCommand({
  meta: { name: "run", description: "run the pipeline: core data, symbol data, EOD bars, statistics" },
  args: {
    ...globalArgs,
    ...lakeArgs,
    ...apiArgs,
    demo: {
      type: "boolean",
      description: "run against the built-in simulated exchange with generated MetaStock fixtures",
    },
    cached: {
      type: "boolean",
      description: "reuse artifacts that are still fresh (TTL and inputs unchanged)",
    },
    force: { type: "boolean", description: "recompute and rewrite every artifact" },
    symbols: {
      type: "string",
      description: "universe, comma-separated (default: config run.symbols)",
      valueHint: "A,B",
    },
    "symbols-file": {
      type: "string",
      description: "universe from a file, one symbol per line",
      valueHint: "FILE",
    },
    scale: {
      type: "string",
      description: "--demo size: small (default, seconds) or full (507 symbols, ~29M rows)",
      valueHint: "small|full",
    },
    faults: {
      type: "string",
      description: "--demo: fault profile for the sim, e.g. rate-limit,errors=0.2,reset=0.05",
      valueHint: "SPEC",
    },
    seed: { type: "string", description: "--demo: market seed (same seed, same data)", valueHint: "N" },
    days: {
      type: "string",
      description: "--demo: play N consecutive trading days of cron runs (one lake partition per day)",
      valueHint: "N",
    },
    strict: { type: "boolean", description: "any tolerated loss (missing symbols, options…) fails the run" },
    snapshot: {
      type: "string",
      description: "lake snapshots: daily (default, one per trading date) or intraday (date=…/time=HHMM/)",
      valueHint: "daily|intraday",
    },
    json: { type: "boolean", description: "print one JSON summary on stdout" },
    csv: { type: "boolean", description: "also write CSV mirrors of every artifact" },
  },
  run: ({ args }) =>
    runAction(
      "run",
      args,
      async ({ config, dataDir, signal, log }) => {
        if (!args.demo && (args.scale || args.faults || args.seed || args.days))
          throw usageError("--scale, --faults, --seed and --days only apply with --demo", {
            hint: "add --demo, or drop those options",
          });
        const scale = args.scale ?? "small";
        if (scale !== "small" && scale !== "full")
          throw usageError(`--scale must be small or full, got "${scale}"`, { hint: "e.g. --scale full" });
        if (args.seed !== undefined && !/^\d+$/.test(args.seed))
          throw usageError(`--seed must be a non-negative integer, got "${args.seed}"`, {
            hint: "e.g. --seed 7",
          });
        const snapshot = args.snapshot ?? "daily";
        if (snapshot !== "daily" && snapshot !== "intraday")
          throw usageError(`--snapshot must be daily or intraday, got "${snapshot}"`, {
            hint: "e.g. --snapshot intraday",
          });
        if (args.days !== undefined && !/^\d+$/.test(args.days))
          throw usageError(`--days must be a whole number, got "${args.days}"`, { hint: "e.g. --days 30" });
        if (args.faults) {
          const { parseFaults } = await import("../../platform/index.ts");
          parseFaults(args.faults); // one clear error for a bad spec before anything starts
        }
        const { runPipeline } = await import("../../platform/pipeline/index.ts");
        const { GridPrinter, colorEnabled, gridMode } = await import("../grid/printer.ts");
        const isTTY = !!process.stderr.isTTY;
        // -v/-vv print log lines: they would scroll an in-place grid, so verbose runs get plain lines.
        const mode = cliState.verbosity > 0 && isTTY ? "plain" : gridMode(process.env, isTTY, !!args.quiet);
        // Failures and shortfalls are in the grid / plain lines and the closing summary; the log
        // file keeps them (error/warn) with the outcome line. -v/-vv still show the log here.
        if (mode !== "off" && cliState.verbosity === 0) configureLogging({ consoleLevel: "silent" });
        const runOptions = {
          config,
          dataDir,
          // The console log is silenced for the grid: the wait is said here, and logged.
          onLockWait: (m: string) => {
            log.warn(m);
            process.stderr.write(`ttapi: ${escapeControl(m)}\n`);
          },
          cached: !!args.cached,
          force: !!args.force,
          csv: args.csv ? true : undefined,
          symbols: args.symbols ? args.symbols.split(",") : undefined,
          symbolsFile: args["symbols-file"] || undefined,
          demo: args.demo
            ? {
                scale: scale as "small" | "full",
                seed: args.seed !== undefined ? Number(args.seed) : 1,
                ...(args.faults ? { faults: args.faults } : {}),
              }
            : null,
          snapshot: snapshot as "daily" | "intraday",
          signal,
          strict: !!args.strict,
        };
        if (args.days !== undefined) {
          const { runDaysCommand } = await import("./run-days.ts");
          return runDaysCommand(runOptions, Number(args.days), { json: !!args.json, quiet: !!args.quiet });
        }
        let printer: InstanceType<typeof GridPrinter> | null = null;
        const summary = await runPipeline({
          ...runOptions,
          onPlan: (plan) => {
            printer = new GridPrinter(plan, {
              stream: process.stderr,
              mode,
              color: colorEnabled(process.env, isTTY),
            });
          },
          onEvent: (e) => (printer as InstanceType<typeof GridPrinter> | null)?.onEvent(e),
        });
        (printer as InstanceType<typeof GridPrinter> | null)?.finish(summary.status, summary.seconds);
        const report = summary.status === "cancelled" ? null : await refreshReport(config, dataDir);
        if (args.json) {
          process.stdout.write(
            `${JSON.stringify({
              status: summary.status,
              exitCode: summary.exitCode,
              seconds: round(summary.seconds),
              symbols: summary.symbols,
              duplicates: summary.duplicates,
              stages: Object.fromEntries(
                Object.entries(summary.stages).map(([id, s]) => [
                  id,
                  {
                    title: s.title,
                    status: s.status,
                    tasks: s.tasks,
                    done: s.done,
                    cacheHits: s.cacheHits,
                    failed: s.failed,
                    rows: s.rows,
                    seconds: round(s.seconds),
                    failures: s.failures,
                  },
                ]),
              ),
              failures: summary.failures,
              tasks: summary.tasks.map((t) => ({ ...t, seconds: round(t.seconds) })),
              persist: summary.persist,
              ...(summary.lake ? { lake: summary.lake } : {}),
              ...(summary.statistics ? { statistics: summary.statistics } : {}),
              ...(summary.sim ? { sim: summary.sim } : {}),
              ...(report ? { report } : {}),
              dataDir: summary.dataDir,
            })}\n`,
          );
        } else if (!args.quiet) {
          // Reasons may quote input: control characters are shown escaped.
          process.stderr.write(`${outcomeLines(summary, dataDir).map(escapeControl).join("\n")}\n`);
          if (report)
            process.stderr.write(
              `${"file" in report ? `report: ${report.file}${report.unchanged ? " (lake unchanged)" : ""}` : `report not written: ${report.error}`}\n`,
            );
        }
        return summary.exitCode;
      },
      { csv: "run.csv" },
    ),
});

/**
 * The end-of-run report (`report.enabled`, default on): `<data-dir>/report/index.html` refreshed
 * from the lake. A report that cannot be written is said, never fails the run that fed the lake.
 */
async function refreshReport(
  config: Config,
  dataDir: string,
): Promise<{ file: string; bytes: number; symbols: number; unchanged: boolean } | { error: string } | null> {
  if (!config["report.enabled"]) return null;
  try {
    const { writeReport } = await import("../../platform/report/index.ts");
    const { primeS3Listing, resolveLakeRoot } = await import("../../platform/lake/index.ts");
    // The run's lake (lake.root); an s3:// lake is listed once: the report reads it synchronously.
    const lake = resolveLakeRoot(config, dataDir);
    await primeS3Listing(lake);
    // Unchanged lake (e.g. a --cached run that fetched nothing new): the report stays as it is.
    const r = writeReport({ dataDir, lake, annualization: config["stats.annualization"], ifChanged: true });
    return { file: r.file, bytes: r.bytes, symbols: r.symbols, unchanged: !!r.unchanged };
  } catch (e) {
    getLogger("cli.run").warn("report not written", { error: (e as Error).message });
    return { error: (e as Error).message };
  }
}

/**
 * The end of a run on the terminal: what was produced, then every failure and shortfall by name with
 * its reason, the tasks that only followed from them counted, and the hints that fit the causes.
 */
export function outcomeLines(summary: RunSummary, dataDir: string): string[] {
  const lines: string[] = [];
  const lake = summary.lake;
  const count = (st: string) => lake?.tables.filter((t) => t.state === st).length ?? 0;
  const states = ["written", "unchanged", "missing", "failed"]
    .filter((st) => count(st) > 0)
    .map((st) => `${count(st)} ${st}`)
    .join(", ");
  const where = `lake ${lake ? `${lake.date}${lake.time ? ` ${lake.time}` : ""}: ${states}` : "not written (cancelled)"} → ${lake?.root ?? `${dataDir}/lake`}`;
  const bars = summary.tasks.find((t) => t.id === "eod.bars");
  if (bars && bars.state !== "failed") {
    const d = summary.duplicates;
    lines.push(`${d} duplicate bar${d === 1 ? "" : "s"} removed across sources · ${where}`);
  } else lines.push(where);
  const s3 = lake?.s3Bars;
  if (s3 && !("error" in s3))
    lines.push(
      `  bars → ${lake?.root}: ${s3.folders} symbol folder${s3.folders === 1 ? "" : "s"} sent, ${s3.unchanged} unchanged, ${s3.removed} stray object${s3.removed === 1 ? "" : "s"} removed`,
    );
  if (summary.statistics && !summary.statistics.reused) lines.push(`  ${summary.statistics.line}`);
  for (const f of summary.failures) {
    const title = summary.stages[f.stage]?.title ?? f.stage;
    lines.push(`  ${title} / ${f.label}: ${f.kind === "degraded" ? "incomplete: " : ""}${f.reason}`);
  }
  const stopped = summary.tasks.filter((t) => t.state === "failed" && t.reason === "cancelled").length;
  const followed = summary.tasks.filter(
    (t) => t.state === "failed" && /^input .+ failed$/.test(t.reason ?? ""),
  ).length;
  if (followed > 0)
    lines.push(`  (${followed} more task${followed === 1 ? "" : "s"} failed because an input failed)`);
  if (stopped > 0 && summary.status !== "cancelled")
    lines.push(`  (${stopped} more task${stopped === 1 ? " was" : "s were"} stopped after that failure)`);
  for (const h of new Set(summary.failures.flatMap((f) => f.hint ?? []))) lines.push(`  hint: ${h}`);
  return lines;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
