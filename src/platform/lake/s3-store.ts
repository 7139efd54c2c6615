/**
 * The few object-store operations the lake needs (PUT a whole object, GET, HEAD, LIST, DELETE),
 * on Bun's built-in S3 client (SigV4, path- or virtual-hosted style), each wrapped in a cockatiel
 * retry (throttling `SlowDown`/503, 5xx, dropped connections, timeouts) with exponential backoff
 * and a per-request timeout. Errors are one line naming the operation and key, never a
 * credential (the redaction layer knows them; the message is built from the code and key only).
 */
import {
  ExponentialBackoff,
  handleWhen,
  type IPolicy,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import { authError, ioError, TTError } from "../../core/errors.ts";
import { type S3Settings, s3Settings, splitS3Path } from "../../core/lake-root.ts";
import { redact } from "../../core/redact.ts";

export interface S3Counters {
  requests: number;
  retries: number;
  bytesUp: number;
  bytesDown: number;
}

export interface S3Object {
  key: string;
  size: number;
  lastModified: number;
  etag: string;
}

/** Errors that retrying cannot fix: wrong credentials, missing bucket, missing key. */
const FINAL_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "NoSuchBucket",
  "NoSuchKey",
  "InvalidBucketName",
  "ERR_S3_MISSING_CREDENTIALS",
  "ERR_S3_INVALID_ENDPOINT",
  "ERR_S3_INVALID_PATH",
]);
const AUTH_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ERR_S3_MISSING_CREDENTIALS",
]);

function codeOf(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : (e as Error | null)?.name || "Error";
}

export function isRetryableS3Error(e: unknown): boolean {
  return !FINAL_CODES.has(codeOf(e));
}

const stores = new Map<string, S3Store>();

export class S3Store {
  readonly settings: S3Settings;
  readonly counters: S3Counters = { requests: 0, retries: 0, bytesUp: 0, bytesDown: 0 };
  private readonly client: Bun.S3Client;
  private readonly policy: IPolicy;

  constructor(settings: S3Settings) {
    this.settings = settings;
    this.client = new Bun.S3Client({
      bucket: settings.bucket,
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.accessKeyId ? { accessKeyId: settings.accessKeyId } : {}),
      ...(settings.secretAccessKey ? { secretAccessKey: settings.secretAccessKey } : {}),
      ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}),
      virtualHostedStyle: !settings.pathStyle,
      // Our own retry policy decides; Bun's upload retries would double the attempts.
      retry: 0,
    });
    const r = retry(handleWhen(isRetryableS3Error), {
      maxAttempts: Math.max(0, settings.retries),
      backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 5_000 }),
    });
    r.onRetry(() => this.counters.retries++);
    this.policy = wrap(r, timeout(Math.max(1, settings.timeout) * 1000, TimeoutStrategy.Aggressive));
  }

  /** The store of a registered `s3://` root (one per root and settings: counters add up). */
  static of(root: string): S3Store {
    const settings = s3Settings(root);
    const id = JSON.stringify(settings);
    let store = stores.get(id);
    if (!store) {
      store = new S3Store(settings);
      stores.set(id, store);
    }
    return store;
  }

  /** The key of a full `s3://bucket/key` path of this store. */
  keyOf(path: string): string {
    return splitS3Path(path).key;
  }

  private async call<T>(op: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(() => {
        this.counters.requests++;
        return fn();
      });
    } catch (e) {
      const code = codeOf(e);
      const where = `s3://${this.settings.bucket}/${key}`;
      const msg = redact(
        `S3 ${op} ${where} failed: ${code}${e instanceof Error && e.message ? ` (${e.message})` : ""}`,
      );
      if (AUTH_CODES.has(code))
        throw authError(msg, {
          cause: e,
          hint: "check lake.s3.access-key-id / lake.s3.secret-access-key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and the bucket policy",
        });
      if (code === "NoSuchBucket")
        throw ioError(msg, { cause: e, hint: `create the bucket ${this.settings.bucket} or fix lake.root` });
      throw new TTError("E_HTTP", msg, {
        cause: e,
        hint: "the store did not answer after retries; check lake.s3.endpoint and the network, then run again (the previous partitions are intact)",
      });
    }
  }

  /** Replace `key` with `body` in one PUT: the object is visible whole or not at all. */
  async put(key: string, body: Uint8Array, contentType = "application/vnd.apache.parquet"): Promise<void> {
    await this.call("PUT", key, () => this.client.write(key, body, { type: contentType }));
    this.counters.bytesUp += body.byteLength;
  }

  async get(key: string): Promise<Uint8Array> {
    const bytes = await this.call(
      "GET",
      key,
      async () => new Uint8Array(await this.client.file(key).arrayBuffer()),
    );
    this.counters.bytesDown += bytes.byteLength;
    return bytes;
  }

  /** Size and modification time, or null when the key does not exist. */
  async stat(key: string): Promise<{ size: number; lastModified: number; etag: string } | null> {
    return this.call("HEAD", key, async () => {
      try {
        const s = await this.client.stat(key);
        return { size: s.size, lastModified: s.lastModified.getTime(), etag: s.etag };
      } catch (e) {
        if (codeOf(e) === "NoSuchKey" || /not.?found|404/i.test(String((e as Error).message))) return null;
        throw e;
      }
    });
  }

  async delete(key: string): Promise<void> {
    await this.call("DELETE", key, () => this.client.delete(key));
  }

  /** Every object under `prefix` (all pages). */
  async list(prefix: string): Promise<S3Object[]> {
    const out: S3Object[] = [];
    let token: string | undefined;
    do {
      const page = await this.call("LIST", prefix, () =>
        this.client.list({ prefix, maxKeys: 1000, ...(token ? { continuationToken: token } : {}) }),
      );
      for (const o of page.contents ?? [])
        out.push({
          key: o.key,
          size: o.size ?? 0,
          lastModified: o.lastModified ? new Date(o.lastModified).getTime() : 0,
          etag: o.eTag ?? "",
        });
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token);
    return out;
  }
}
