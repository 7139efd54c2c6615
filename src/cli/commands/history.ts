/**
 * `ttapi history OPTION_SYMBOL`: one contract's mark, IV and greeks across the lake's snapshot
 * dates (table `option_quotes`). Same outputs as `ttapi sql`: a table on a terminal, `--csv`,
 * `--json`, `--parquet FILE`.
 */
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { usageError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";
import { type OutputFormat, printResult } from "./sql.ts";

export default defineCommand({
  meta: { name: "history", description: "one option contract's mark, IV and greeks across snapshot dates" },
  args: {
    ...globalArgs,
    symbol: {
      type: "positional",
      required: true,
      description: "OCC option symbol (e.g. 'SPY 261218C00500000') or dxFeed symbol (.SPY261218C500)",
    },
    lake: {
      type: "string",
      description: "the lake: a folder or s3://bucket/prefix (default: <data-dir>/lake; config lake.root)",
      valueHint: "ROOT",
    },
    csv: { type: "boolean", description: "print all snapshots as CSV" },
    json: { type: "boolean", description: "print all snapshots as a JSON array" },
    parquet: { type: "string", description: "write all snapshots to FILE (zstd Parquet)", valueHint: "FILE" },
  },
  run: ({ args }) =>
    runAction("history", args, async ({ lake }) => {
      const { isS3Root, primeS3Listing } = await import("../../platform/lake/index.ts");
      const { contractHistory } = await import("../../platform/query/index.ts");
      // --lake / lake.root / <data-dir>/lake; an s3:// lake is listed once up front (the catalog reads
      // its partitions synchronously).
      const root = isS3Root(lake) ? lake : resolve(lake);
      await primeS3Listing(root);
      const chosen = (["csv", "json", "parquet"] as const).filter(
        (f) => args[f] !== undefined && args[f] !== false,
      );
      if (chosen.length > 1) throw usageError(`choose one output: --${chosen.join(", --")}`);
      const format: OutputFormat = chosen[0] ?? "table";
      const h = contractHistory(root, String(args.symbol));
      const any = (() => {
        try {
          return h.frame.limit(1).collectSync().height > 0;
        } catch (e) {
          throw h.explain(e);
        }
      })();
      if (!any)
        throw usageError(`no snapshots of "${args.symbol}" in option_quotes (${h.dates} dates)`, {
          hint: `list contracts: ttapi sql "SELECT DISTINCT option_symbol FROM option_quotes WHERE underlying_symbol = 'SPY'"`,
        });
      const r = await printResult(h, format, process.stdout, {
        parquet: args.parquet as string | undefined,
        lakeRoot: root,
      });
      if (format === "parquet") process.stderr.write(`wrote ${r.rows} snapshots to ${args.parquet}\n`);
      return 0;
    }),
});
