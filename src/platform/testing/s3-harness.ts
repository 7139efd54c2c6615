/**
 * Tests and benchmarks only: a real S3-compatible HTTP server (`s3rver`, a devDependency) on
 * 127.0.0.1, behind a small fault proxy that counts requests (method and key, to prove partition
 * pruning), injects 503 `SlowDown` answers and latency, and can stop and restart the server.
 *
 * The proxy forwards a request only once its whole body has arrived, as S3 itself does (S3 never
 * stores a PUT whose body is shorter than its Content-Length). s3rver alone does not: it streams a
 * PUT body straight into the object's file, so a client killed mid-upload would leave a truncated
 * object there, and two overlapping PUTs of one key interleave in its file — behaviour no real
 * store (AWS S3, MinIO, R2) has. The proxy therefore also lets one write per key reach s3rver at a
 * time. It gives the tests the store semantics ttapi's commit protocol relies on (a PUT replaces
 * an object whole or not at all), and nothing more.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { internalError } from "../../core/errors.ts";
import type { S3Connection } from "../../core/lake-root.ts";

export const TEST_BUCKET = "lake";
export const TEST_KEY = "S3RVER"; // s3rver's built-in credentials (both id and secret)

export interface RequestLog {
  method: string;
  key: string;
  query: string;
  /** The Range header of a GET ("" for a whole-object read). */
  range: string;
  status: number;
  /** Body bytes answered. */
  bytes: number;
}

export interface S3Harness {
  /** The proxy's URL: what ttapi is configured with. */
  endpoint: string;
  requests: RequestLog[];
  faults: { fail503: number; latencyMs: number; failKeys: RegExp | null; bodyChunkDelayMs: number };
  /** Stop the S3 server (the proxy answers connection errors as a dead server would: 502 after a drop). */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

async function startS3rver(dir: string, port: number): Promise<{ srv: S3rverInstance; port: number }> {
  // A variable specifier: s3rver ships no types, and only this harness loads it.
  const mod = "s3rver";
  const { default: S3rver } = (await import(mod)) as {
    default: new (o: Record<string, unknown>) => S3rverInstance;
  };
  const srv = new S3rver({
    port,
    address: "127.0.0.1",
    silent: true,
    directory: dir,
    configureBuckets: [{ name: TEST_BUCKET }],
  });
  const info = await srv.run();
  return { srv, port: info.port };
}

async function readBody(req: Request, chunkDelayMs: number): Promise<ArrayBuffer> {
  if (chunkDelayMs <= 0 || !req.body) return req.arrayBuffer();
  const chunks: Uint8Array[] = [];
  for await (const c of req.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(c);
    await Bun.sleep(chunkDelayMs);
  }
  return new Blob(chunks).arrayBuffer();
}

/** The connection ttapi is given for the harness's bucket (s3rver's credentials, path-style). */
export function harnessConnection(
  h: Pick<S3Harness, "endpoint">,
  o: Partial<S3Connection> = {},
): S3Connection {
  return {
    endpoint: h.endpoint,
    region: "us-east-1",
    accessKeyId: TEST_KEY,
    secretAccessKey: TEST_KEY,
    sessionToken: "",
    pathStyle: true,
    retries: 6,
    timeout: 30,
    ...o,
  };
}

/** The same connection as the environment a `ttapi` process reads it from. */
export function harnessEnv(h: S3Harness): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: h.endpoint,
    AWS_ACCESS_KEY_ID: TEST_KEY,
    AWS_SECRET_ACCESS_KEY: TEST_KEY,
    AWS_REGION: "us-east-1",
  };
}

export async function startS3Harness(): Promise<S3Harness> {
  const dir = mkdtempSync(join(tmpdir(), "ttapi-s3rver-"));
  let { srv, port } = await startS3rver(dir, 0);
  let up = true;
  const requests: RequestLog[] = [];
  const keyLocks = new Map<string, Promise<void>>();
  const faults: S3Harness["faults"] = { fail503: 0, latencyMs: 0, failKeys: null, bodyChunkDelayMs: 0 };
  const proxy = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 120,
    async fetch(req) {
      const url = new URL(req.url);
      // Control routes for a harness running in another process (see `spawnS3Harness`).
      if (url.pathname === "/__harness/requests") {
        if (req.method === "DELETE") requests.length = 0;
        return Response.json(requests);
      }
      if (url.pathname === "/__harness/faults") {
        Object.assign(faults, await req.json());
        return Response.json({ ok: true });
      }
      const key = decodeURIComponent(url.pathname.replace(/^\/[^/]+\/?/, ""));
      const log: RequestLog = {
        method: req.method,
        key,
        query: url.search,
        range: req.headers.get("range") ?? "",
        status: 0,
        bytes: 0,
      };
      requests.push(log);
      if (faults.latencyMs > 0) await Bun.sleep(faults.latencyMs);
      // Store and forward: the body in full before anything reaches the store (read slowly when
      // asked, so that a test can kill a writer while its body is still on the way).
      const body =
        req.method === "GET" || req.method === "HEAD"
          ? undefined
          : await readBody(req, faults.bodyChunkDelayMs);
      if (faults.fail503 > 0 && (!faults.failKeys || faults.failKeys.test(key))) {
        faults.fail503--;
        log.status = 503;
        return new Response(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
          { status: 503, headers: { "content-type": "application/xml" } },
        );
      }
      if (!up) {
        log.status = 503;
        return new Response(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>',
          { status: 503, headers: { "content-type": "application/xml" } },
        );
      }
      const headers = new Headers(req.headers);
      // s3rver writes an object's file in place, so two PUTs of one key that overlap there would
      // interleave; S3 replaces an object atomically. One write per key at a time restores that.
      const writes = req.method === "PUT" || req.method === "POST" || req.method === "DELETE";
      const previous = writes ? (keyLocks.get(key) ?? Promise.resolve()) : Promise.resolve();
      let unlock = () => {};
      if (writes)
        keyLocks.set(
          key,
          previous.then(() => new Promise<void>((r) => (unlock = r))),
        );
      await previous;
      try {
        return await forward(req, url, headers, body, log);
      } finally {
        unlock();
      }
    },
  });
  async function forward(
    req: Request,
    url: URL,
    headers: Headers,
    body: ArrayBuffer | undefined,
    log: RequestLog,
  ): Promise<Response> {
    const res = await fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      ...(body ? { body } : {}),
      redirect: "manual",
      decompress: false,
    } as RequestInit);
    log.status = res.status;
    const out = new Headers(res.headers);
    out.delete("content-encoding");
    const answer = req.method === "HEAD" ? null : await res.arrayBuffer();
    log.bytes = answer?.byteLength ?? 0;
    return new Response(answer, {
      status: res.status,
      headers: out,
    });
  }
  return {
    endpoint: `http://127.0.0.1:${proxy.port}`,
    requests,
    faults,
    async stopServer() {
      up = false;
      await srv.close();
    },
    async startServer() {
      ({ srv, port } = await startS3rver(dir, port));
      up = true;
    },
    async close() {
      proxy.stop(true);
      if (up) await srv.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The harness in a child process, for callers that block their own event loop: polars' synchronous
 * calls on an `s3://` scan (`collectSync`, SQL planning) wait for the store, and an in-process
 * proxy could not answer them. The request log and faults are reached over HTTP control routes.
 */
export interface RemoteS3Harness {
  endpoint: string;
  requests(): Promise<RequestLog[]>;
  reset(): Promise<void>;
  setFaults(f: Partial<S3Harness["faults"]>): Promise<void>;
  close(): Promise<void>;
}

export async function spawnS3Harness(): Promise<RemoteS3Harness> {
  const child = Bun.spawn([process.execPath, import.meta.path], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw internalError("the S3 harness process exited before it started");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const endpoint = text.trim();
  return {
    endpoint,
    requests: async () => (await (await fetch(`${endpoint}/__harness/requests`)).json()) as RequestLog[],
    reset: async () => {
      await fetch(`${endpoint}/__harness/requests`, { method: "DELETE" });
    },
    setFaults: async (f) => {
      await fetch(`${endpoint}/__harness/faults`, { method: "POST", body: JSON.stringify(f) });
    },
    close: async () => {
      (child.stdin as import("bun").FileSink).end();
      await child.exited;
    },
  };
}

if (import.meta.main) {
  // Child mode: serve until the parent closes stdin (or dies).
  const h = await startS3Harness();
  process.stdout.write(`${h.endpoint}\n`);
  for await (const _ of Bun.stdin.stream()) {
    // the parent never writes; end of input means stop
  }
  await h.close();
  process.exit(0);
}
