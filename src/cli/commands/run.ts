/**
 * `ttapi run`: the whole pipeline — Core Data, Symbol Data, EOD Data, Math — with the console
 * grid on stderr and, with --json, one JSON summary on stdout. Exit status: 0 complete,
 * 3 degraded (data missing within the threshold), 1 failed, 130 cancelled.
 */
import { defineCommand } from "citty";
import { usageError } from "../../core/errors.ts";
import { escapeControl } from "../../core/input-file.ts";
import { configureLogging } from "../../core/log.ts";
import { apiArgs, cliState, globalArgs, runAction } from "../context.ts";

export default defineCommand({
  meta: { name: "run", description: "run the pipeline: core data, symbol data, EOD bars, statistics" },
  args: {
    ...globalArgs,
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
    json: { type: "boolean", description: "print one JSON summary on stdout" },
    csv: { type: "boolean", description: "also write CSV mirrors of every artifact" },
  },
  run: ({ args }) =>
    runAction(
      "run",
      args,
      async ({ config, dataDir, signal }) => {
        if (!args.demo && (args.scale || args.faults || args.seed))
          throw usageError("--scale, --faults and --seed only apply with --demo", {
            hint: "add --demo, or drop those options",
          });
        const scale = args.scale ?? "small";
        if (scale !== "small" && scale !== "full")
          throw usageError(`--scale must be small or full, got "${scale}"`, { hint: "e.g. --scale full" });
        if (args.seed !== undefined && !/^\d+$/.test(args.seed))
          throw usageError(`--seed must be a non-negative integer, got "${args.seed}"`, {
            hint: "e.g. --seed 7",
          });
        if (args.faults) {
          const { parseFaults } = await import("../../platform/index.ts");
          parseFaults(args.faults); // one clear error for a bad spec before anything starts
        }
        const { runPipeline } = await import("../../platform/pipeline/index.ts");
        const { GridPrinter, colorEnabled, gridMode } = await import("../grid/printer.ts");
        const isTTY = !!process.stderr.isTTY;
        // -v/-vv print log lines: they would scroll an in-place grid, so verbose runs get plain lines.
        const mode = cliState.verbosity > 0 && isTTY ? "plain" : gridMode(process.env, isTTY, !!args.quiet);
        // Task failures are in the grid; their warnings still reach the log file, not the frame.
        if (mode === "tty") configureLogging({ consoleLevel: "error" });
        let printer: InstanceType<typeof GridPrinter> | null = null;
        const summary = await runPipeline({
          config,
          dataDir,
          cached: !!args.cached,
          force: !!args.force,
          csv: args.csv ? true : undefined,
          symbols: args.symbols ? args.symbols.split(",") : undefined,
          symbolsFile: args["symbols-file"] || undefined,
          demo: args.demo
            ? {
                scale,
                seed: args.seed !== undefined ? Number(args.seed) : 1,
                ...(args.faults ? { faults: args.faults } : {}),
              }
            : null,
          signal,
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
              tasks: summary.tasks.map((t) => ({ ...t, seconds: round(t.seconds) })),
              persist: summary.persist,
              ...(summary.sim ? { sim: summary.sim } : {}),
              dataDir: summary.dataDir,
            })}\n`,
          );
        } else if (!args.quiet) {
          process.stderr.write(
            `${summary.duplicates} duplicate bars removed across sources · artifacts in ${dataDir}/artifacts\n`,
          );
          // Root causes in full; failures that only follow from a failed input are counted.
          let consequences = 0;
          for (const s of Object.values(summary.stages))
            for (const f of s.failures) {
              if (/^input .+ failed$/.test(f.reason)) consequences++;
              else process.stderr.write(`  ${s.title} / ${f.task}: ${escapeControl(f.reason)}\n`);
            }
          if (consequences > 0)
            process.stderr.write(
              `  (${consequences} more task${consequences === 1 ? "" : "s"} failed because an input failed)\n`,
            );
          const hints = new Set(
            Object.values(summary.stages).flatMap((s) => s.failures.flatMap((f) => f.hint ?? [])),
          );
          for (const h of hints) process.stderr.write(`  hint: ${escapeControl(h)}\n`);
        }
        return summary.exitCode;
      },
      { csv: "run.csv" },
    ),
});

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
