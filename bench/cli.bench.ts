#!/usr/bin/env bun
/**
 * Startup cost of the single binary: `dist/ttapi --help` wall time and binary size, beside a
 * hello-world binary compiled by the same Bun in the same run (the baseline: what any compiled Bun
 * program costs to start on this machine).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const bin = join(root, "dist", process.platform === "win32" ? "ttapi.exe" : "ttapi");
if (!existsSync(bin) || process.env.BENCH_REBUILD) {
  const b = Bun.spawnSync([process.execPath, join(root, "build.ts")], {
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (b.exitCode !== 0) process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), "ttapi-bench-cli-"));
writeFileSync(join(tmp, "hello.ts"), 'console.log("hello");\n');
const hello = join(tmp, "hello");
Bun.spawnSync(
  [process.execPath, "build", "--compile", "--minify", join(tmp, "hello.ts"), "--outfile", hello],
  { stdout: "ignore", stderr: "inherit" },
);

function wall(cmd: string[], runs: number): { median: number; min: number } {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const p = Bun.spawnSync(cmd, { cwd: tmp, stdout: "ignore", stderr: "ignore" });
    const dt = performance.now() - t0;
    if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${p.exitCode}`);
    if (i >= 2) times.push(dt); // first runs warm the page cache
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? Number.NaN, min: times[0] ?? Number.NaN };
}

const runs = process.env.BENCH_SCALE === "small" ? 5 : 20;
const ours = wall([bin, "--help"], runs);
const version = wall([bin, "--version"], runs);
const base = wall([hello], runs);
const size = statSync(bin).size;
const baseSize = statSync(hello).size;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(`cli startup (${runs} runs, median / min)`);
console.log(`  ttapi --help      ${fmt(ours.median)} / ${fmt(ours.min)}   target < 150 ms`);
console.log(`  ttapi --version   ${fmt(version.median)} / ${fmt(version.min)}`);
console.log(`  baseline hello    ${fmt(base.median)} / ${fmt(base.min)}   (compiled hello-world, same Bun)`);
console.log(`  ratio --help/baseline ${(ours.median / base.median).toFixed(2)}x`);
console.log(
  `  binary size       ${(size / 1e6).toFixed(1)} MB (baseline hello ${(baseSize / 1e6).toFixed(1)} MB)`,
);

// Release binaries (`bun run build --target all`): size split into Bun runtime, the embedded
// nodejs-polars library and our bundle; `--help` wall time for the ones this machine can run
// (native, or linux-arm64 under qemu-user beside a hello-world compiled for arm64 under qemu).
const dist = join(root, "dist");
const polarsPkg: Record<string, string> = {
  "linux-x64": "linux-x64-gnu",
  "linux-x64-musl": "linux-x64-musl",
  "linux-arm64": "linux-arm64-gnu",
  "darwin-arm64": "darwin-arm64",
  "darwin-x64": "darwin-x64",
  "windows-x64": "win32-x64-msvc",
};
const release = readdirSync(dist).filter((f) => /^ttapi-.+/.test(f) && f !== "SHA256SUMS");
if (release.length === 0) console.log("\nrelease targets: none in dist/ (run `bun run build --target all`)");
else {
  console.log("\nrelease targets: size = Bun runtime + polars native + ttapi bundle");
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  for (const f of release.sort()) {
    const target = f.replace(/^ttapi-/, "").replace(/\.exe$/, "");
    const total = statSync(join(dist, f)).size;
    const pkg = polarsPkg[target];
    const nodeDir = pkg ? join(root, "node_modules", `nodejs-polars-${pkg}`) : "";
    const nodeFile =
      nodeDir && existsSync(nodeDir) ? readdirSync(nodeDir).find((x) => x.endsWith(".node")) : "";
    const polars = nodeFile ? statSync(join(nodeDir, nodeFile)).size : Number.NaN;
    // The runtime's size is that of a hello-world compiled for the same target (its bundle is tiny).
    const helloT = join(tmp, `hello-${target}`);
    const bt = Bun.spawnSync(
      [
        process.execPath,
        "build",
        "--compile",
        `--target=bun-${target}`,
        join(tmp, "hello.ts"),
        "--outfile",
        helloT,
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    const helloFile = [helloT, `${helloT}.exe`].find((x) => existsSync(x));
    const runtime = bt.exitCode === 0 && helloFile ? statSync(helloFile).size : Number.NaN;
    const rest = total - runtime - polars;
    let timing = "not runnable here";
    const qemu = "/usr/bin/qemu-aarch64-static";
    if (target === "linux-x64" && process.platform === "linux" && process.arch === "x64") {
      const t = wall([join(dist, f), "--help"], runs);
      timing = `--help ${fmt(t.median)} vs hello ${fmt(base.median)} (${(t.median / base.median).toFixed(2)}x)`;
    } else if (target === "linux-arm64" && existsSync(qemu) && helloFile) {
      const q = (b: string) => [qemu, "-L", "/usr/aarch64-linux-gnu", b];
      const t = wall([...q(join(dist, f)), "--help"], runs);
      const h = wall(q(helloFile), runs);
      timing = `--help under qemu ${fmt(t.median)} vs arm64 hello under qemu ${fmt(h.median)} (${(t.median / h.median).toFixed(2)}x)`;
    }
    console.log(
      `  ${target.padEnd(15)} ${mb(total).padStart(9)} = runtime ${mb(runtime)} + polars ${mb(polars)} + bundle ${mb(rest)}   ${timing}`,
    );
  }
}
rmSync(tmp, { recursive: true, force: true });
