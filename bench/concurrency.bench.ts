#!/usr/bin/env bun
/**
 * Starting REST concurrency under a rate limiter: the 507-symbol universe collection (equity +
 * nested chain + metrics + quotes) against the sim's rate-limit profile (bare 429s past 100
 * requests/s, as a service with no published quota might answer) with 20 ms latency.
 *
 *   ours:     the default — start at 16 in flight, the adaptive limiter grows it (up to 64) while
 *             requests succeed and halves it on a 429;
 *   baseline: the previous default — a fixed 100 (halved on 429s, never above 100), measured in the
 *             same run against the same sim.
 *
 * Reported: wall time, 429s received and retries for each, and the ratio. Target: the lower start
 * is not slower (ratio ≥ ~1; noise on a shared machine is a few %). The sim runs in a subprocess.
 *
 *   BENCH_SCALE=small bun bench/concurrency.bench.ts   (one run each instead of the median of 3)
 */
import { join } from "node:path";
import { collectUniverse } from "../src/client/collect.ts";
import { createClient, DEFAULT_CONCURRENCY } from "../src/client/index.ts";

const small = process.env.BENCH_SCALE === "small";
const reps = small ? 1 : 3;
const root = join(import.meta.dir, "..");

interface Sim {
  url: string;
  secret: string;
  refresh: string;
  symbols: string[];
  stop(): void;
}

async function startSimProcess(): Promise<Sim> {
  const script = `
    import { startSim } from ${JSON.stringify(join(root, "src/sim/index.ts"))};
    const s = await startSim({ seed: 1, faults: { rateLimit: true, latency: { minMs: 20, maxMs: 20 } } });
    console.log(JSON.stringify({ url: s.url, secret: s.clientSecret, refresh: s.refreshToken, symbols: [...s.universe.symbols] }));
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
  return { ...JSON.parse(buf.slice(0, buf.indexOf("\n"))), stop: () => p.kill() };
}

interface Run {
  ms: number;
  throttled: number;
  retries: number;
  complete: number;
  peak: number;
}

async function collect(sim: Sim, concurrency: number, maxConcurrency?: number): Promise<Run> {
  const client = createClient({
    baseUrl: sim.url,
    clientSecret: sim.secret,
    refreshToken: sim.refresh,
    configDir: null,
    dataDir: null,
    concurrency,
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
  });
  await client.tokens?.getToken();
  // The sim's rate window is per second: start each run in a fresh window.
  await Bun.sleep(1_100);
  Bun.gc(true);
  let peak = 0;
  const watch = setInterval(() => {
    peak = Math.max(peak, client.transport.limiter.current);
  }, 5);
  const t0 = performance.now();
  const r = await collectUniverse(client, sim.symbols);
  const ms = performance.now() - t0;
  clearInterval(watch);
  return {
    ms,
    throttled: client.stats.throttled,
    retries: client.stats.retries,
    complete: r.complete,
    peak,
  };
}

const median = (runs: Run[]) => [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
const fmt = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });

const sim = await startSimProcess();
try {
  await collect(sim, DEFAULT_CONCURRENCY); // warm-up (connections, JIT)
  const a: Run[] = [];
  const b: Run[] = [];
  for (let i = 0; i < reps; i++) {
    a.push(await collect(sim, DEFAULT_CONCURRENCY));
    b.push(await collect(sim, 100, 100));
  }
  const o = median(a);
  const base = median(b);
  const n = sim.symbols.length;
  if (o.complete !== n || base.complete !== n)
    throw new Error(`incomplete collection: ${o.complete}/${n}, baseline ${base.complete}/${n}`);
  console.log(
    `REST collection of ${n} symbols under the sim's rate limiter (100 requests/s, bare 429s) + 20 ms latency, ${small ? "one run" : `median of ${reps}`}`,
  );
  console.log(
    `  ttapi (start ${DEFAULT_CONCURRENCY}, adaptive)  ${fmt(o.ms)} ms   ${fmt(o.throttled)} × 429   ${fmt(o.retries)} retries   peak limit ${o.peak}`,
  );
  console.log(
    `  baseline (fixed 100)         ${fmt(base.ms)} ms   ${fmt(base.throttled)} × 429   ${fmt(base.retries)} retries   peak limit ${base.peak}`,
  );
  const ratio = base.ms / o.ms;
  console.log(
    `  ratio                        ${ratio.toFixed(2)}× the baseline's speed, ${base.throttled > 0 ? (o.throttled / base.throttled).toFixed(2) : "n/a"}× its 429s (target: not slower: ${ratio >= 0.95 ? "met" : "NOT met"})`,
  );
} finally {
  sim.stop();
}
process.exit(0);
