/**
 * What this binary is: version, commit, build date, target and the nodejs-polars version it
 * embeds. `build.ts` bakes the build-time facts in with `--define`; from source (`bun run
 * src/cli/main.ts`) they are read from the checkout instead, so `--version` is never a guess.
 */
import { spawnSync } from "node:child_process";
import polarsPkg from "nodejs-polars/package.json" with { type: "json" };
import { VERSION } from "./version.ts";

// Replaced by build.ts (`bun build --define`); undeclared identifiers in a source run.
declare const TTAPI_BUILD_COMMIT: string | undefined;
declare const TTAPI_BUILD_DATE: string | undefined;
declare const TTAPI_BUILD_TARGET: string | undefined;

export interface BuildInfo {
  version: string;
  commit: string;
  buildDate: string;
  target: string;
  polars: string;
  bun: string;
}

function sourceCommit(): string {
  try {
    const r = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], {
      cwd: import.meta.dir,
      encoding: "utf8",
      timeout: 2000,
    });
    const sha = r.status === 0 ? r.stdout.trim() : "";
    return sha ? `${sha} (source)` : "unknown (source run outside a git checkout)";
  } catch {
    return "unknown (source run, git unavailable)";
  }
}

export function hostTarget(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  return `${os}-${process.arch}`;
}

export function buildInfo(): BuildInfo {
  const built = typeof TTAPI_BUILD_COMMIT === "string";
  return {
    version: VERSION,
    commit: built ? (TTAPI_BUILD_COMMIT as string) : sourceCommit(),
    buildDate: typeof TTAPI_BUILD_DATE === "string" ? TTAPI_BUILD_DATE : "not built (source run)",
    target: typeof TTAPI_BUILD_TARGET === "string" ? TTAPI_BUILD_TARGET : `${hostTarget()} (source run)`,
    polars: polarsPkg.version,
    bun: Bun.version,
  };
}

export function formatBuildInfo(b: BuildInfo): string {
  return [
    `ttapi ${b.version}`,
    `commit        ${b.commit}`,
    `built         ${b.buildDate}`,
    `target        ${b.target}`,
    `nodejs-polars ${b.polars}`,
    `bun           ${b.bun}`,
  ].join("\n");
}
