/**
 * `ttapi report`: write the lake as one self-contained HTML file (charts inlined, works offline).
 * Default output `<data-dir>/report/index.html`. Requested symbols that no lake table knows are
 * named on stderr, in --json and in the page, and make the exit status 3 (degraded).
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { usageError } from "../../core/errors.ts";
import { globalArgs, lakeArgs, runAction } from "../context.ts";

/** The platform's "open this file with the default application" command. */
export function openerFor(platform: NodeJS.Platform, file: string): string[] {
  if (platform === "darwin") return ["open", file];
  if (platform === "win32") return ["cmd", "/c", "start", "", file];
  return ["xdg-open", file];
}

export function parseSymbolList(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  const list = [
    ...new Set(
      text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (!list.length) throw usageError("--symbols is empty", { hint: "e.g. --symbols SPY,QQQ" });
  return list;
}

export default defineCommand({
  meta: { name: "report", description: "write the lake as one self-contained HTML report with charts" },
  args: {
    ...globalArgs,
    ...lakeArgs,
    symbols: { type: "string", description: "only these symbols, comma-separated", valueHint: "A,B" },
    out: {
      type: "string",
      description: "output file (default: <data-dir>/report/index.html)",
      valueHint: "FILE.html",
    },
    open: { type: "boolean", description: "open the report in the default browser" },
    json: { type: "boolean", description: "print one JSON summary on stdout" },
  },
  run: ({ args }) =>
    runAction("report", args, async ({ config, dataDir, lake, log }) => {
      const symbols = parseSymbolList(args.symbols);
      const { writeReport } = await import("../../platform/report/index.ts");
      // An s3:// lake is listed once up front: the report reads it synchronously.
      const { primeS3Listing } = await import("../../platform/lake/index.ts");
      await primeS3Listing(lake);
      const r = writeReport({
        dataDir,
        lake,
        symbols,
        out: args.out ? resolve(args.out) : undefined,
        annualization: config["stats.annualization"],
      });
      log.info("report written", {
        file: r.file,
        bytes: r.bytes,
        symbols: r.symbols,
        missing: r.missingSymbols.length,
      });
      if (r.missingSymbols.length)
        log.warn("requested symbols not in the lake", { symbols: r.missingSymbols.join(",") });
      if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      if (!args.quiet || r.missingSymbols.length) {
        process.stderr.write(
          `report: ${r.file} · ${r.symbols} symbols · ${(r.bytes / 1024).toFixed(0)} KB · ${r.asOf ? `as of ${r.asOf}` : "no snapshot yet"} · ${r.historyDays} days of history · ${r.seconds.toFixed(2)}s\n`,
        );
        for (const n of r.notes) process.stderr.write(`  note: ${n}\n`);
      }
      if (args.open) {
        const [cmd, ...rest] = openerFor(process.platform, r.file);
        await new Promise<void>((done) => {
          const child = spawn(cmd!, rest, { detached: true, stdio: "ignore" });
          child.on("error", (e) => {
            process.stderr.write(`  could not open a browser (${e.message}): open ${r.file} yourself\n`);
            done();
          });
          child.on("spawn", () => {
            child.unref();
            done();
          });
        });
      }
      return r.missingSymbols.length ? 3 : 0;
    }),
});
