#!/usr/bin/env bun
/**
 * REST client throughput: collect the 507-symbol universe (equity + nested chain + market metrics
 * + snapshot quote per symbol, ≈ 525 requests, ≈ 40 MB of JSON) from the simulated exchange with
 * 0 ms and 20 ms injected latency.
 *
 * The sim runs in a SUBPROCESS so `process.cpuUsage()` here measures the client alone (on these
 * 2-core machines the sim would otherwise steal the client's CPU). Reported per latency:
 *   symbols/s, requests/s, client CPU per request, and the latency bound
 *   (requests ÷ concurrency × latency) with our ratio to it; for the default client (chains
 *   decoded inline by the columnar scanner) and with one chain-scan worker thread;
 * and, measured in the same run against the same sim, a baseline: plain `fetch` + `JSON.parse`
 * of the same URLs in sequential batches of `concurrency`, no resilience, no decoding.
 * Wall time on a shared 2-core machine is noisy, so CPU is reported too: µs per request, symbols
 * per CPU-second, and the CPU floor (client + sim CPU per collection over the cores: the best
 * wall time this machine could give even when idle). Every timed run starts after a full GC.
 * Targets: ≥ 10 000 symbols/s at 0 ms; ≤ 1.5 × the latency bound at 20 ms.
 *
 *   bun bench/client.bench.ts            (BENCH_SCALE=small: fewer repetitions)
 */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { collectUniverse } from "../src/client/collect.ts";
import { createClient } from "../src/client/index.ts";
import { chunk } from "../src/client/query.ts";
import { USER_AGENT } from "../src/core/version.ts";

const small = process.env.BENCH_SCALE === "small";
const reps = small ? 2 : 5;
const concurrency = 100;
const root = join(import.meta.dir, "..");
const cores = availableParallelism();

interface SimProc {
  url: string;
  secret: string;
  refresh: string;
  symbols: string[];
  indexes: string[];
  /** CPU time the sim process has used so far, ms (/proc; null where unavailable). */
  cpuMs(): number | null;
  stop(): void;
}

/** utime + stime of a process from /proc/<pid>/stat, ms (clock ticks at 100 Hz). */
function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

async function startSimProcess(latencyMs: number): Promise<SimProc> {
  const faults = latencyMs > 0 ? `{ latency: { minMs: ${latencyMs}, maxMs: ${latencyMs} } }` : "undefined";
  const script = `
    import { startSim } from ${JSON.stringify(join(root, "src/sim/index.ts"))};
    const s = await startSim({ seed: 1, faults: ${faults} });
    const symbols = [...s.universe.symbols];
    const indexes = symbols.filter((x) => s.universe.equity(x)?.isIndex);
    console.log(JSON.stringify({ url: s.url, secret: s.clientSecret, refresh: s.refreshToken, symbols, indexes }));
    await new Promise(() => {});
  `;
  const p = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit", cwd: root });
  const reader = p.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("sim subprocess exited before printing its URL");
    buf += new TextDecoder().decode(value);
  }
  const info = JSON.parse(buf.slice(0, buf.indexOf("\n")));
  return { ...info, cpuMs: () => procCpuMs(p.pid), stop: () => p.kill() };
}

interface Run {
  ms: number;
  requests: number;
  cpuMs: number;
  complete: number;
  bytes: number;
  /** Time spent in JSON.parse alone (baseline only). */
  parseMs?: number;
  /** CPU the sim process used serving the run, ms. */
  simCpuMs?: number | null;
}

async function ours(sim: SimProc, scanWorkers = 0): Promise<Run> {
  const client = createClient({
    baseUrl: sim.url,
    clientSecret: sim.secret,
    refreshToken: sim.refresh,
    configDir: null,
    dataDir: null,
    concurrency,
    scanWorkers,
  });
  await client.tokens?.getToken(); // the one-off grant is not part of the collection
  const sim0 = sim.cpuMs();
  Bun.gc(true); // the previous run's garbage is not charged to this one
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await collectUniverse(client, sim.symbols);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const sim1 = sim.cpuMs();
  return {
    ms,
    requests: client.stats.attempts,
    cpuMs: (cpu.user + cpu.system) / 1000,
    complete: r.complete,
    bytes: client.stats.bytes,
    simCpuMs: sim0 !== null && sim1 !== null ? sim1 - sim0 : null,
  };
}

/** Same URLs, plain fetch + JSON.parse, sequential batches of `concurrency`. */
async function baseline(sim: SimProc): Promise<Run> {
  const headers = { Authorization: `Bearer ${await grant(sim)}`, "User-Agent": USER_AGENT };
  const enc = encodeURIComponent;
  const idx = new Set(sim.indexes);
  const urls: string[] = [];
  for (const b of chunk(sim.symbols, 100)) {
    urls.push(`/instruments/equities?${b.map((s) => `symbol[]=${enc(s)}`).join("&")}`);
    urls.push(`/market-metrics?symbols=${b.map(enc).join(",")}`);
    const eq = b.filter((s) => !idx.has(s));
    const ix = b.filter((s) => idx.has(s));
    urls.push(
      `/market-data/by-type?equity=${eq.map(enc).join(",")}${ix.length ? `&index=${ix.map(enc).join(",")}` : ""}`,
    );
  }
  for (const s of sim.symbols) urls.push(`/option-chains/${enc(s)}/nested`);
  Bun.gc(true); // the previous run's garbage is not charged to this one
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let ok = 0;
  let bytes = 0;
  let parseMs = 0;
  for (const batch of chunk(urls, concurrency)) {
    const bodies = await Promise.all(batch.map((u) => fetch(sim.url + u, { headers }).then((r) => r.text())));
    const p0 = performance.now();
    for (const b of bodies) {
      bytes += b.length;
      if (JSON.parse(b).data) ok++;
    }
    parseMs += performance.now() - p0;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, requests: urls.length, cpuMs: (cpu.user + cpu.system) / 1000, complete: ok, bytes, parseMs };
}

/** Small responses only: one `/instruments/equities/{symbol}` per symbol (transport overhead vs latency). */
async function oursSingles(sim: SimProc): Promise<Run> {
  const client = createClient({
    baseUrl: sim.url,
    clientSecret: sim.secret,
    refreshToken: sim.refresh,
    configDir: null,
    dataDir: null,
    concurrency,
  });
  await client.tokens?.getToken();
  Bun.gc(true); // the previous run's garbage is not charged to this one
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const rows = await Promise.all(sim.symbols.map((s) => client.equity(s)));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    ms,
    requests: client.stats.attempts,
    cpuMs: (cpu.user + cpu.system) / 1000,
    complete: rows.length,
    bytes: client.stats.bytes,
  };
}

async function baselineSingles(sim: SimProc, token: string): Promise<Run> {
  const headers = { Authorization: `Bearer ${token}`, "User-Agent": USER_AGENT };
  Bun.gc(true); // the previous run's garbage is not charged to this one
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let ok = 0;
  for (const batch of chunk(sim.symbols, concurrency)) {
    const bodies = await Promise.all(
      batch.map((s) =>
        fetch(`${sim.url}/instruments/equities/${encodeURIComponent(s)}`, { headers }).then((r) => r.json()),
      ),
    );
    for (const b of bodies) if ((b as { data?: unknown }).data) ok++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, requests: sim.symbols.length, cpuMs: (cpu.user + cpu.system) / 1000, complete: ok, bytes: 0 };
}

async function grant(sim: SimProc): Promise<string> {
  const res = await fetch(`${sim.url}/oauth/token`, {
    method: "POST",
    headers: { "User-Agent": USER_AGENT, "Content-Type": "application/json" },
    body: JSON.stringify({
      grant_type: "refresh_token",
      refresh_token: sim.refresh,
      client_secret: sim.secret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor(sorted.length / 2)] as Run;
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

console.log(
  `REST client: 507-symbol universe (equity + nested chain + metrics + quotes), concurrency ${concurrency}, sim in a subprocess, median of ${reps}`,
);
for (const latency of [0, 20]) {
  const sim = await startSimProcess(latency);
  try {
    await ours(sim); // warm-up (JIT, connection pool, scan worker start)
    await ours(sim, 1);
    await baseline(sim);
    const a: Run[] = [];
    const w: Run[] = [];
    const b: Run[] = [];
    for (let i = 0; i < reps; i++) {
      a.push(await ours(sim));
      w.push(await ours(sim, 1));
      b.push(await baseline(sim));
    }
    const o = median(a);
    const ow = median(w);
    const base = median(b);
    const n = sim.symbols.length;
    if (o.complete !== n) throw new Error(`incomplete collection: ${o.complete}/${n}`);
    const bound = latency > 0 ? (o.requests / concurrency) * latency : 0;
    console.log(`\n latency ${latency} ms`);
    console.log(
      `  ttapi client   ${fmt(o.ms, 1)} ms   ${fmt((n / o.ms) * 1000)} symbols/s   ${fmt((o.requests / o.ms) * 1000)} requests/s   client CPU ${fmt((o.cpuMs / o.requests) * 1000)} µs/request = ${fmt(n / (o.cpuMs / 1000))} symbols per CPU-second   (${o.requests} requests)`,
    );
    console.log(
      `  baseline       ${fmt(base.ms, 1)} ms   ${fmt((n / base.ms) * 1000)} symbols/s   ${fmt((base.requests / base.ms) * 1000)} requests/s   client CPU ${fmt((base.cpuMs / base.requests) * 1000)} µs/request = ${fmt(n / (base.cpuMs / 1000))} symbols per CPU-second   (plain fetch + JSON.parse, sequential batches of ${concurrency})`,
    );
    console.log(
      `  + scan worker  ${fmt(ow.ms, 1)} ms   ${fmt((n / ow.ms) * 1000)} symbols/s   ${fmt((ow.requests / ow.ms) * 1000)} requests/s   process CPU ${fmt((ow.cpuMs / ow.requests) * 1000)} µs/request   (scanWorkers: 1, chains decoded off the main thread; ${(o.ms / ow.ms).toFixed(2)}× the inline client's speed${latency > 0 ? `, ${(ow.ms / bound).toFixed(2)}× the latency bound` : ""})`,
    );
    console.log(`  ratio          ${(base.ms / o.ms).toFixed(2)}× the baseline's speed`);
    if (o.simCpuMs != null) {
      // Client and sim share this machine's cores: their CPU per collection bounds the wall time.
      const floor = Math.max(
        latency > 0 ? (o.requests / concurrency) * latency : 0,
        (o.cpuMs + o.simCpuMs) / cores,
      );
      console.log(
        `  CPU floor      client ${fmt(o.cpuMs, 1)} ms + sim ${fmt(o.simCpuMs, 0)} ms per collection on ${cores} cores → ≥ ${fmt(floor, 1)} ms (≤ ${fmt((n / floor) * 1000)} symbols/s on this machine, were it idle); ours ${(o.ms / floor).toFixed(2)}× that floor; load average ${loadavg()[0]?.toFixed(1)}`,
      );
    }
    console.log(
      `  JSON volume    ${fmt(o.bytes / 1e6, 1)} MB per collection → ${fmt(o.bytes / 1e6 / (o.ms / 1000))} MB/s; client CPU ${fmt(o.cpuMs, 1)} ms per collection; JSON.parse alone of the same bodies: ${fmt(base.parseMs ?? 0, 1)} ms (${fmt(base.bytes / 1e6 / ((base.parseMs ?? 1) / 1000))} MB/s, the single-core floor)`,
    );
    if (latency === 0) {
      console.log(`  target         ≥ 10,000 symbols/s: ${(n / o.ms) * 1000 >= 10_000 ? "met" : "NOT met"}`);
    } else {
      console.log(
        `  latency bound  ${fmt(bound, 1)} ms (requests ÷ concurrency × latency); ours ${(o.ms / bound).toFixed(2)}× the bound (target ≤ 1.5×: ${o.ms / bound <= 1.5 ? "met" : "NOT met"}), baseline ${(base.ms / bound).toFixed(2)}×; max(latency bound, client CPU) = ${fmt(Math.max(bound, o.cpuMs), 1)} ms → ours ${(o.ms / Math.max(bound, o.cpuMs)).toFixed(2)}×`,
      );
    }

    // Small requests: what the transport itself costs, and how close it gets to the latency bound.
    const token = await grant(sim);
    await oursSingles(sim);
    const sa: Run[] = [];
    const sb: Run[] = [];
    for (let i = 0; i < reps; i++) {
      sa.push(await oursSingles(sim));
      sb.push(await baselineSingles(sim, token));
    }
    const so = median(sa);
    const sbase = median(sb);
    const sbound = (so.requests / concurrency) * latency;
    console.log(
      `  small requests (${so.requests} × GET /instruments/equities/{symbol}): ours ${fmt(so.ms, 1)} ms, ${fmt((so.requests / so.ms) * 1000)} requests/s, client CPU ${fmt((so.cpuMs / so.requests) * 1000)} µs/request; baseline ${fmt(sbase.ms, 1)} ms, ${fmt((sbase.cpuMs / sbase.requests) * 1000)} µs/request; ratio ${(sbase.ms / so.ms).toFixed(2)}×${latency > 0 ? `; latency bound ${fmt(sbound, 1)} ms → ours ${(so.ms / sbound).toFixed(2)}× (baseline ${(sbase.ms / sbound).toFixed(2)}×)` : ""}`,
    );
  } finally {
    sim.stop();
  }
}
console.log(`\n peak RSS ${fmt(process.resourceUsage().maxRSS / 1024)} MB`);
process.exit(0);
