#!/usr/bin/env bun
/**
 * Simulated-exchange REST throughput on loopback: requests/s for a small response
 * (`GET /instruments/equities/AAPL`, ≈ 0.7 kB) and for a nested chain (`GET /option-chains/SPY/nested`,
 * hundreds of kB), with full sim semantics (User-Agent + bearer-token checks, routing, envelope,
 * stats, fault-injector draw).
 *
 * Baseline, same run, same load generator: a bare `Bun.serve` answering a constant JSON body of the
 * same size. Each server runs in its own subprocess (so this process is only the load generator and
 * `process.cpuUsage()` in the server measures the server alone); reported per case: requests/s,
 * server CPU µs per request, and the ratio sim / baseline. Target: ≥ 20 000 small requests/s.
 *
 *   bun bench/sim.bench.ts           (BENCH_SCALE=small: shorter runs)
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

const small = process.env.BENCH_SCALE === "small";
const seconds = small ? 1 : 2;
const rounds = small ? 1 : 3;
const concurrency = 64;
const root = join(import.meta.dir, "..");
const UA = "ttapi-bench/0.1.0";

interface ServerProc {
  url: string;
  token: string;
  stop(): Promise<{ cpuMs: number }>;
}

const SIM_SCRIPT = `
  import { startSim } from ${JSON.stringify(join(root, "src/sim/index.ts"))};
  const sim = await startSim({ seed: "bench" });
  const r = await fetch(sim.url + "/oauth/token", { method: "POST", headers: { "user-agent": ${JSON.stringify(UA)}, "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "refresh_token", refresh_token: sim.refreshToken, client_secret: sim.clientSecret }) });
  const { access_token } = await r.json();
  const cpu0 = process.cpuUsage();
  process.on("SIGTERM", () => { const c = process.cpuUsage(cpu0); process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }) + "\\n"); process.exit(0); });
  process.stdout.write(JSON.stringify({ url: sim.url, token: access_token }) + "\\n");
`;

const bareScript = (bodyPath: string) => `
  const body = await Bun.file(${JSON.stringify(bodyPath)}).text();
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body, { headers: { "content-type": "application/json" } }) });
  const cpu0 = process.cpuUsage();
  process.on("SIGTERM", () => { const c = process.cpuUsage(cpu0); process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }) + "\\n"); process.exit(0); });
  process.stdout.write(JSON.stringify({ url: "http://127.0.0.1:" + server.port, token: "none" }) + "\\n");
`;

async function spawnServer(script: string): Promise<ServerProc> {
  const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit", cwd: root });
  const reader = proc.stdout.getReader();
  const dec = new TextDecoder();
  let buf = "";
  const line = async (): Promise<string> => {
    for (;;) {
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        return l;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("server process exited early");
      buf += dec.decode(value);
    }
  };
  const info = JSON.parse(await line()) as { url: string; token: string };
  return {
    ...info,
    async stop() {
      proc.kill("SIGTERM");
      const stats = JSON.parse(await line()) as { cpuMs: number };
      await proc.exited;
      return stats;
    },
  };
}

/** Closed-loop load: `concurrency` workers, each fetching and reading the body, for `seconds`. */
async function load(url: string, token: string): Promise<{ requests: number; rps: number; bytes: number }> {
  const headers = { "user-agent": UA, authorization: `Bearer ${token}` };
  // Warm-up (memoized bodies, JIT, connection pool).
  await Promise.all(
    Array.from({ length: concurrency }, () => fetch(url, { headers }).then((r) => r.arrayBuffer())),
  );
  let requests = 0;
  let bytes = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const r = await fetch(url, { headers });
        if (r.status !== 200) throw new Error(`${url} → ${r.status}`);
        bytes += (await r.arrayBuffer()).byteLength;
        requests++;
      }
    }),
  );
  const dt = (performance.now() - t0) / 1000;
  return { requests, rps: requests / dt, bytes };
}

interface Measured {
  rps: number;
  cpuUsPerReq: number;
  mbPerSec: number;
}

/** One server process, one timed load; returns throughput and the server's CPU per request. */
async function measure(script: string, path: string): Promise<Measured & { sample: string }> {
  const server = await spawnServer(script);
  const sample = await (
    await fetch(server.url + path, { headers: { "user-agent": UA, authorization: `Bearer ${server.token}` } })
  ).text();
  const r = await load(server.url + path, server.token);
  const { cpuMs } = await server.stop();
  return {
    sample,
    rps: r.rps,
    cpuUsPerReq: (cpuMs * 1000) / Math.max(1, r.requests + concurrency),
    mbPerSec: r.bytes / seconds / 1e6,
  };
}

/** Alternate sim and baseline runs (the machine is shared) and keep each side's best round. */
async function runCase(name: string, path: string): Promise<void> {
  const bodyPath = join(tmpdir(), `ttapi-sim-bench-${process.pid}.json`);
  let ours: Measured | null = null;
  let base: Measured | null = null;
  const best = (a: Measured | null, b: Measured): Measured =>
    a === null
      ? b
      : {
          rps: Math.max(a.rps, b.rps),
          cpuUsPerReq: Math.min(a.cpuUsPerReq, b.cpuUsPerReq),
          mbPerSec: Math.max(a.mbPerSec, b.mbPerSec),
        };
  let size = 0;
  for (let round = 0; round < rounds; round++) {
    const m = await measure(SIM_SCRIPT, path);
    size = m.sample.length;
    ours = best(ours, m);
    await Bun.write(bodyPath, m.sample);
    base = best(base, await measure(bareScript(bodyPath), path));
  }
  if (!ours || !base) return;
  const f = (x: number) => Math.round(x).toLocaleString("en-US");
  console.log(
    `${name}: ${path} (${f(size)} bytes/response, concurrency ${concurrency}, best of ${rounds} × ${seconds}s)`,
  );
  console.log(
    `  sim       ${f(ours.rps)} req/s   server CPU ${ours.cpuUsPerReq.toFixed(1)} µs/req   ${ours.mbPerSec.toFixed(0)} MB/s`,
  );
  console.log(
    `  baseline  ${f(base.rps)} req/s   server CPU ${base.cpuUsPerReq.toFixed(1)} µs/req   (bare Bun.serve, constant body of the same size)`,
  );
  console.log(
    `  ratio     ${(ours.rps / base.rps).toFixed(2)} × baseline throughput, ${(ours.cpuUsPerReq / base.cpuUsPerReq).toFixed(2)} × baseline server CPU per request`,
  );
  if (name === "small") console.log(`  target ≥ 20,000 req/s: ${ours.rps >= 20_000 ? "met" : "NOT met"}`);
}

await runCase("small", "/instruments/equities/AAPL");
await runCase("nested chain", "/option-chains/SPY/nested");
console.log(`peak RSS (load generator) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
