/**
 * Where the lake lives: a local folder (default `<data-dir>/lake`) or an object store prefix
 * `s3://bucket/prefix` (AWS S3, MinIO, Cloudflare R2 or any S3-compatible store).
 *
 * The lake API keeps passing the root as a string; an `s3://` root's connection settings
 * (endpoint, region, credentials, path style) are registered here once, when the configuration is
 * resolved, and looked up by the writers and readers. Credentials are registered with the
 * redaction layer as they arrive, so they never reach a log line, an error or a report.
 */
import { join } from "node:path";
import { renameLegacySymbolDirs } from "./bars.ts";
import type { Config } from "./config.ts";
import { configError } from "./errors.ts";
import { getLogger } from "./log.ts";
import { registerSecret } from "./redact.ts";

export interface S3Settings {
  bucket: string;
  /** Key prefix without leading or trailing slash ("" for the bucket's top). */
  prefix: string;
  /** Empty: AWS S3 of `region`. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Path-style URLs (`endpoint/bucket/key`); false: virtual-hosted (`bucket.endpoint/key`). */
  pathStyle: boolean;
  retries: number;
  /** Per request, seconds. */
  timeout: number;
}

export type S3Connection = Omit<S3Settings, "bucket" | "prefix">;

const S3_RE = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

export function isS3Root(root: string): boolean {
  return root.startsWith("s3://");
}

/** `s3://bucket/a/b/` → bucket and prefix `a/b`; a malformed URL is one clear error. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = S3_RE.exec(url);
  if (!m)
    throw configError(`invalid lake root "${url}"`, {
      hint: "use s3://bucket or s3://bucket/prefix (bucket: 3-63 lowercase letters, digits, dots, dashes)",
    });
  const prefix = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (prefix.split("/").some((s) => s === "." || s === ".."))
    throw configError(`invalid lake root "${url}": "." and ".." are not key segments`, {
      hint: "use a plain prefix, e.g. s3://bucket/ttapi/lake",
    });
  return { bucket: m[1]!, prefix };
}

/** The canonical spelling of an `s3://` root (no trailing slash). */
export function normalizeS3Root(url: string): string {
  const { bucket, prefix } = parseS3Url(url);
  return prefix ? `s3://${bucket}/${prefix}` : `s3://${bucket}`;
}

const connections = new Map<string, S3Connection>();

/** Register how to reach an `s3://` root; returns its canonical spelling. */
export function registerS3Root(url: string, conn: S3Connection): string {
  const root = normalizeS3Root(url);
  registerSecret(conn.accessKeyId);
  registerSecret(conn.secretAccessKey);
  registerSecret(conn.sessionToken);
  connections.set(root, conn);
  return root;
}

/** The settings of a registered `s3://` root (or of the root a path below it belongs to). */
export function s3Settings(root: string): S3Settings {
  const canonical = normalizeS3Root(root);
  const conn = connections.get(canonical);
  if (!conn)
    throw configError(`no connection settings for the lake ${canonical}`, {
      hint: "set lake.root (or TTAPI_LAKE_ROOT / --lake) so ttapi registers the store's endpoint and credentials",
    });
  return { ...conn, ...parseS3Url(canonical) };
}

/** The registered `s3://` root a full object path lies under (the longest), or null. */
export function s3RootOf(path: string): string | null {
  let best: string | null = null;
  for (const root of connections.keys())
    if ((path === root || path.startsWith(`${root}/`)) && (!best || root.length > best.length)) best = root;
  return best;
}

/** `join` for lake paths: keeps `s3://` intact (node's `join` would fold the double slash). */
export function lakeJoin(root: string, ...segments: string[]): string {
  if (!isS3Root(root)) return join(root, ...segments);
  return [root.replace(/\/+$/, ""), ...segments.filter((s) => s !== "")].join("/");
}

/** Bucket and key of a full `s3://bucket/key` path. */
export function splitS3Path(path: string): { bucket: string; key: string } {
  const rest = path.slice("s3://".length);
  const slash = rest.indexOf("/");
  return slash < 0 ? { bucket: rest, key: "" } : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

/** polars `cloudOptions` (object_store keys) for an `s3://` root. */
export function polarsCloudOptions(root: string): Record<string, string> {
  const s = s3Settings(root);
  const o: Record<string, string> = {
    aws_region: s.region,
    aws_virtual_hosted_style_request: String(!s.pathStyle),
  };
  if (s.endpoint) {
    o.aws_endpoint_url = s.endpoint;
    if (s.endpoint.startsWith("http://")) o.aws_allow_http = "true";
  }
  if (s.accessKeyId) o.aws_access_key_id = s.accessKeyId;
  if (s.secretAccessKey) o.aws_secret_access_key = s.secretAccessKey;
  if (s.sessionToken) o.aws_session_token = s.sessionToken;
  return o;
}

/** The connection settings the configuration describes (`lake.s3.*`, AWS_* variables). */
export function s3ConnectionFromConfig(config: Config): S3Connection {
  const endpoint = config["lake.s3.endpoint"].replace(/\/+$/, "");
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint))
    throw configError(`invalid lake.s3.endpoint "${endpoint}"`, {
      hint: "use a URL such as https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000",
    });
  return {
    endpoint,
    region: config["lake.s3.region"] || "us-east-1",
    accessKeyId: config["lake.s3.access-key-id"],
    secretAccessKey: config["lake.s3.secret-access-key"],
    sessionToken: config["lake.s3.session-token"],
    pathStyle: config["lake.s3.path-style"],
    retries: config["lake.s3.retries"],
    timeout: config["lake.s3.timeout"],
  };
}

/**
 * The lake root a command uses: `lake.root` (flag `--lake`, `TTAPI_LAKE_ROOT`, config) or
 * `<data-dir>/lake`. An `s3://` root is registered with its connection settings.
 */
export function resolveLakeRoot(config: Config, dataDir: string): string {
  const raw = config["lake.root"].trim();
  if (!raw) return upToDateFolders(join(dataDir, "lake"));
  if (isS3Root(raw)) return registerS3Root(raw, s3ConnectionFromConfig(config));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw))
    throw configError(`unsupported lake root "${raw}"`, {
      hint: "use a local folder or s3://bucket/prefix (S3, MinIO, R2 and other S3-compatible stores)",
    });
  return upToDateFolders(raw);
}

/**
 * A local lake with its bars folders under their current names (once per process): a lake
 * written before `*` in a symbol was escaped is read and extended by every command alike.
 */
export function upToDateFolders(root: string): string {
  const r = renameLegacySymbolDirs(root);
  const log = getLogger("lake");
  for (const [from, to] of r.renamed)
    log.info(`renamed bars/${from} to bars/${to} (the folder name an earlier ttapi gave it)`);
  for (const [from, to] of r.kept)
    log.warn(
      `bars/${from} (named by an earlier ttapi) could not be renamed to bars/${to}: move its files there by hand, or readers of bars fail`,
    );
  return root;
}
