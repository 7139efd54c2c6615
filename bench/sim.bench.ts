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
const seconds = small ? 1 : 3;
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

async function runCase(name: string, path: string): Promise<void> {
  const sim = await spawnServer(SIM_SCRIPT);
  const sample = await (
    await fetch(sim.url + path, { headers: { "user-agent": UA, authorization: `Bearer ${sim.token}` } })
  ).text();
  const ours = await load(sim.url + path, sim.token);
  const ourCpu = await sim.stop();

  const bodyPath = join(tmpdir(), `ttapi-sim-bench-${process.pid}.json`);
  await Bun.write(bodyPath, sample);
  const bare = await spawnServer(bareScript(bodyPath));
  const base = await load(bare.url + path, bare.token);
  const baseCpu = await bare.stop();

  const f = (x: number) => Math.round(x).toLocaleString("en-US");
  const usPerReq = (cpuMs: number, n: number) => ((cpuMs * 1000) / Math.max(1, n)).toFixed(1);
  console.log(
    `${name}: ${path} (${f(sample.length)} bytes/response, concurrency ${concurrency}, ${seconds}s)`,
  );
  console.log(
    `  sim       ${f(ours.rps)} req/s   server CPU ${usPerReq(ourCpu.cpuMs, ours.requests + concurrency)} µs/req   ${(ours.bytes / seconds / 1e6).toFixed(0)} MB/s`,
  );
  console.log(
    `  baseline  ${f(base.rps)} req/s   server CPU ${usPerReq(baseCpu.cpuMs, base.requests + concurrency)} µs/req   (bare Bun.serve, constant body of the same size)`,
  );
  console.log(`  ratio     ${(ours.rps / base.rps).toFixed(2)} × baseline throughput`);
  if (name === "small") console.log(`  target ≥ 20,000 req/s: ${ours.rps >= 20_000 ? "met" : "NOT met"}`);
}

await runCase("small", "/instruments/equities/AAPL");
await runCase("nested chain", "/option-chains/SPY/nested");
console.log(`peak RSS (load generator) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
