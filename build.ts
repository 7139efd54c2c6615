#!/usr/bin/env bun
/**
 * Single-binary build: `bun build --compile` of src/cli/main.ts with every `workers/*.ts` embedded
 * as an extra entrypoint (a compiled binary can only start workers that were passed this way).
 *
 *   bun run build                      → dist/ttapi for the host
 *   bun run build --target linux-arm64 → dist/ttapi-linux-arm64
 *   bun run build --target all         → every release file (linux-x64[-musl], linux-arm64,
 *                                        darwin-arm64, darwin-x64, windows-x64) + dist/SHA256SUMS
 *
 * The version, commit, build date and target are baked in with `--define` for `ttapi --version`.
 *
 * Cross targets need nodejs-polars' native package for that platform inside node_modules (the
 * bundler embeds the .node file). We fetch it from the npm registry with `npm pack` when missing;
 * when that is impossible the target is reported as not buildable, with the reason.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = import.meta.dir;
const polarsManifest = await Bun.file(join(ROOT, "node_modules/nodejs-polars/package.json")).json();
const polarsVersion: string = polarsManifest.version;
/** Every platform package nodejs-polars may load; a build embeds only its target's one. */
const polarsPlatformPackages: string[] = Object.keys(polarsManifest.optionalDependencies ?? {});

interface Target {
  bunTarget: string;
  polarsPackage: string;
  outfile: string;
}
/** Every platform users run ttapi on; the name is the `<os>-<arch>[-libc]` of `dist/ttapi-<name>`. */
const TARGETS: Record<string, Target> = {
  "linux-x64": {
    bunTarget: "bun-linux-x64",
    polarsPackage: "nodejs-polars-linux-x64-gnu",
    outfile: "ttapi-linux-x64",
  },
  "linux-x64-musl": {
    bunTarget: "bun-linux-x64-musl",
    polarsPackage: "nodejs-polars-linux-x64-musl",
    outfile: "ttapi-linux-x64-musl",
  },
  "linux-arm64": {
    bunTarget: "bun-linux-arm64",
    polarsPackage: "nodejs-polars-linux-arm64-gnu",
    outfile: "ttapi-linux-arm64",
  },
  "darwin-arm64": {
    bunTarget: "bun-darwin-arm64",
    polarsPackage: "nodejs-polars-darwin-arm64",
    outfile: "ttapi-darwin-arm64",
  },
  "darwin-x64": {
    bunTarget: "bun-darwin-x64",
    polarsPackage: "nodejs-polars-darwin-x64",
    outfile: "ttapi-darwin-x64",
  },
  "windows-x64": {
    bunTarget: "bun-windows-x64",
    polarsPackage: "nodejs-polars-win32-x64-msvc",
    outfile: "ttapi-windows-x64.exe",
  },
};

function hostKey(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  return `${os}-${process.arch}`;
}

function parseTargets(argv: string[]): string[] {
  const i = argv.indexOf("--target");
  if (i < 0) return ["host"];
  const v = argv[i + 1];
  if (!v) fail(`--target needs a value: ${Object.keys(TARGETS).join(" | ")} | all`);
  return v === "all" ? Object.keys(TARGETS) : v.split(",");
}

function fail(msg: string): never {
  process.stderr.write(`build: ${msg}\n`);
  process.exit(1);
}

/** Make sure node_modules holds the polars native package for a cross target. */
function ensurePolarsPackage(pkg: string): string | null {
  const dest = join(ROOT, "node_modules", pkg);
  if (existsSync(join(dest, "package.json"))) return null;
  const tmp = mkdtempSync(join(tmpdir(), "ttapi-build-"));
  const pack = Bun.spawnSync(
    ["npm", "pack", `${pkg}@${polarsVersion}`, "--pack-destination", tmp, "--silent"],
    { stderr: "pipe", stdout: "pipe" },
  );
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  if (pack.exitCode !== 0 || !tarball) {
    const view = Bun.spawnSync(["npm", "view", pkg, "versions", "--json"], {
      stderr: "pipe",
      stdout: "pipe",
    });
    let published: string[] = [];
    try {
      published = JSON.parse(view.stdout.toString());
    } catch {
      // registry unreachable: fall through to the generic reason
    }
    if (published.length && !published.includes(polarsVersion)) {
      return `${pkg}@${polarsVersion} is not published on npm (its newest release is ${published.at(-1)}), so nodejs-polars ${polarsVersion} has no native library for this platform`;
    }
    return `npm could not fetch ${pkg}@${polarsVersion}: ${pack.stderr.toString().trim().split("\n").pop() ?? "unknown error"}`;
  }
  const untar = Bun.spawnSync(["tar", "-xzf", join(tmp, tarball), "-C", tmp], { stderr: "pipe" });
  if (untar.exitCode !== 0) return `could not unpack ${tarball}: ${untar.stderr.toString().trim()}`;
  renameSync(join(tmp, "package"), dest);
  rmSync(tmp, { recursive: true, force: true });
  return null;
}

const workers = readdirSync(join(ROOT, "workers"))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => `./workers/${f}`);

/** Facts baked into the binary for `ttapi --version` (see src/core/build-info.ts). */
function buildDefines(target: string): string[] {
  const git = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: ROOT, stdout: "pipe" });
  const commit = git.exitCode === 0 ? git.stdout.toString().trim() : "unknown";
  const dirty =
    git.exitCode === 0 &&
    Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: ROOT, stdout: "pipe" })
      .stdout.toString()
      .trim() !== "";
  const defines: Record<string, string> = {
    TTAPI_BUILD_COMMIT: dirty ? `${commit}-dirty` : commit,
    TTAPI_BUILD_DATE: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    TTAPI_BUILD_TARGET: target,
  };
  return Object.entries(defines).flatMap(([k, v]) => ["--define", `${k}=${JSON.stringify(v)}`]);
}

/** `dist/SHA256SUMS` over every binary in dist/, in the format `sha256sum -c` reads. */
function writeChecksums(): void {
  const dist = join(ROOT, "dist");
  const lines = readdirSync(dist)
    .filter((f) => f.startsWith("ttapi") && statSync(join(dist, f)).isFile())
    .sort()
    .map((f) => {
      const hash = new Bun.CryptoHasher("sha256").update(readFileSync(join(dist, f))).digest("hex");
      return `${hash}  ${f}\n`;
    });
  writeFileSync(join(dist, "SHA256SUMS"), lines.join(""));
  process.stdout.write(`wrote dist/SHA256SUMS (${lines.length} files)\n`);
}

mkdirSync(join(ROOT, "dist"), { recursive: true });
let failures = 0;
for (const key of parseTargets(process.argv.slice(2))) {
  // `host` builds dist/ttapi for this machine; a named target (even this machine's) builds
  // dist/ttapi-<target>, the release file name.
  const isHost = key === "host";
  const target = isHost ? undefined : TARGETS[key];
  if (!isHost && !target) fail(`unknown target "${key}" (use ${Object.keys(TARGETS).join(", ")}, all)`);
  const outfile = join(
    "dist",
    isHost ? (process.platform === "win32" ? "ttapi.exe" : "ttapi") : (target as Target).outfile,
  );
  if (target) {
    const problem = ensurePolarsPackage(target.polarsPackage);
    if (problem) {
      process.stderr.write(`build: cannot build ${key}: ${problem}\n`);
      failures++;
      continue;
    }
  }
  const args = [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    "--sourcemap=none",
    // Ship the bundle as precompiled bytecode: parsing and compiling the 0.8 MB bundle was most of
    // the start-up cost (measured: `--version` 54 → 17 ms CPU, a hello-world binary 15 ms).
    // Bytecode implies CommonJS unless told otherwise; main.ts awaits at the top level: ESM.
    "--bytecode",
    "--format=esm",
    ...(target ? [`--target=${target.bunTarget}`] : []),
    ...buildDefines(isHost ? hostKey() : key),
    // nodejs-polars picks its native package at run time by platform; the bundler would embed every
    // one present in node_modules. Keep only this target's (the others' branches never run there).
    ...polarsPlatformPackages
      .filter((pkg) => pkg !== (target ?? TARGETS[hostKey()])?.polarsPackage)
      .flatMap((pkg) => ["--external", pkg]),
    "./src/cli/main.ts",
    ...workers,
    "--outfile",
    outfile,
  ];
  const t0 = performance.now();
  const r = Bun.spawnSync(args, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    process.stderr.write(`build: ${key} failed:\n${r.stderr.toString()}${r.stdout.toString()}\n`);
    failures++;
    continue;
  }
  const size = statSync(join(ROOT, outfile)).size;
  process.stdout.write(
    `built ${outfile} (${key === "host" ? hostKey() : key}, ${(size / 1e6).toFixed(1)} MB, ${workers.length} workers embedded) in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`,
  );
}
writeChecksums();
process.exit(failures ? 1 : 0);
