/**
 * `ttapi cache status` lists every artifact with its state (fresh / stale / missing / invalid),
 * age, TTL and size; `ttapi cache clear [kind]` removes artifacts (all, or one kind).
 */
import { defineCommand } from "citty";
import { usageError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

async function openStore(config: Parameters<Parameters<typeof runAction>[2]>[0]["config"], dataDir: string) {
  const { ArtifactStore, PersistWriter } = await import("../../platform/index.ts");
  return new ArtifactStore({ dataDir, config, writer: new PersistWriter() });
}

function bytes(n: number | null): string {
  if (n === null) return "-";
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** Temp data of killed runs is shown (on stderr, so `--json` stays an array) as it is reclaimed. */
function reportReclaimed(r: { count: number; bytes: number }): void {
  if (r.count > 0)
    process.stderr.write(
      `reclaimed ${r.count} leftover${r.count === 1 ? "" : "s"} of killed runs (${bytes(r.bytes)} of temp data)\n`,
    );
}

const status = defineCommand({
  meta: { name: "status", description: "list artifacts with state, age, TTL and size" },
  args: { ...globalArgs, json: { type: "boolean", description: "print a JSON array on stdout" } },
  run: ({ args }) =>
    runAction("cache.status", args, async ({ config, dataDir }) => {
      const { formatDuration } = await import("../../core/time.ts");
      const { PIPELINE_ARTIFACTS, reclaimLeftovers, runLockHolder } = await import("../../platform/index.ts");
      const rows = (await openStore(config, dataDir)).status(PIPELINE_ARTIFACTS);
      reportReclaimed(reclaimLeftovers(dataDir));
      const holder = runLockHolder(dataDir);
      if (holder)
        process.stderr.write(
          `${holder.what} (pid ${holder.pid}) is using this data directory since ${new Date(holder.since).toISOString()}\n`,
        );
      if (args.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return 0;
      }
      if (rows.every((r) => r.reason === "never built")) {
        process.stdout.write(`no artifacts in ${dataDir}/artifacts (run \`ttapi run\` first)\n`);
        return 0;
      }
      const table = [
        ["ARTIFACT", "STATE", "AGE", "TTL", "EXPIRES IN", "ROWS", "SIZE", "NOTE"],
        ...rows.map((r) => [
          r.id,
          r.state,
          r.ageSeconds === null ? "-" : formatDuration(r.ageSeconds),
          r.ttl,
          r.expiresInSeconds === null
            ? "-"
            : r.expiresInSeconds <= 0
              ? "expired"
              : formatDuration(r.expiresInSeconds),
          r.rows === null ? "-" : String(r.rows),
          bytes(r.bytes),
          r.state === "fresh" ? "" : r.reason,
        ]),
      ];
      const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
      for (const row of table)
        process.stdout.write(
          `${row
            .map((cell, c) => cell.padEnd(widths[c]!))
            .join("  ")
            .trimEnd()}\n`,
        );
      return 0;
    }),
});

const clear = defineCommand({
  meta: { name: "clear", description: "remove cached artifacts: all, or one kind" },
  args: {
    ...globalArgs,
    kind: { type: "positional", required: false, description: "artifact kind (see `ttapi cache status`)" },
  },
  run: ({ args }) =>
    runAction("cache.clear", args, async ({ config, dataDir }) => {
      const { ARTIFACT_KINDS, isArtifactKind, acquireRunLock } = await import("../../platform/index.ts");
      const kind = args.kind as string | undefined;
      if (kind && !isArtifactKind(kind))
        throw usageError(`unknown artifact kind "${kind}"`, { hint: `kinds: ${ARTIFACT_KINDS.join(", ")}` });
      const release = await acquireRunLock(dataDir, { what: "ttapi cache clear" });
      try {
        const n = (await openStore(config, dataDir)).clear(kind && isArtifactKind(kind) ? kind : undefined);
        const { reclaimLeftovers } = await import("../../platform/index.ts");
        reportReclaimed(reclaimLeftovers(dataDir));
        process.stderr.write(
          `removed ${n} artifact${n === 1 ? "" : "s"}${kind ? ` of kind ${kind}` : ""} from ${dataDir}/artifacts\n`,
        );
      } finally {
        release();
      }
      return 0;
    }),
});

export default defineCommand({
  meta: { name: "cache", description: "inspect or clear the artifact cache (status, clear [kind])" },
  args: { ...globalArgs },
  subCommands: { status, clear },
});
