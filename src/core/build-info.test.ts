import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildInfo, formatBuildInfo, hostTarget } from "./build-info.ts";
import { VERSION } from "./version.ts";

const root = join(import.meta.dir, "..", "..");

describe("build info (ttapi --version)", () => {
  test("a source run reports the package version, the installed polars and the host target", () => {
    const info = buildInfo();
    const polars = JSON.parse(readFileSync(join(root, "node_modules/nodejs-polars/package.json"), "utf8"));
    expect(info.version).toBe(VERSION);
    expect(info.polars).toBe(polars.version);
    expect(info.target).toBe(`${hostTarget()} (source run)`);
    expect(info.buildDate).toBe("not built (source run)");
    expect(info.commit).toMatch(/^([0-9a-f]{12} \(source\)|unknown .+)$/);
    expect(info.bun).toBe(Bun.version);
  });

  test("the text form names every field on its own line", () => {
    const text = formatBuildInfo({
      version: "1.2.3",
      commit: "abcdef012345",
      buildDate: "2026-12-05T00:00:00Z",
      target: "darwin-arm64",
      polars: "0.25.2",
      bun: "1.4.5",
    });
    expect(text.split("\n")).toEqual([
      "ttapi 1.2.3",
      "commit        abcdef012345",
      "built         2026-12-05T00:00:00Z",
      "target        darwin-arm64",
      "nodejs-polars 0.25.2",
      "bun           1.4.5",
    ]);
  });

  test("`ttapi --version --json` prints the same facts as JSON", () => {
    const p = Bun.spawnSync([process.execPath, join(root, "src/cli/main.ts"), "--version", "--json"]);
    expect(p.exitCode).toBe(0);
    const j = JSON.parse(p.stdout.toString());
    expect(Object.keys(j).sort()).toEqual(["buildDate", "bun", "commit", "polars", "target", "version"]);
    expect(j.version).toBe(VERSION);
  });
});
