/**
 * The credentials file written by `ttapi auth login`: `<config-dir>/ttapi/credentials.json`, mode
 * 0600, one entry per environment (production and sandbox have separate OAuth clients). Config
 * values (`api.client-secret`, `api.refresh-token`, i.e. flags, TT_CLIENT_SECRET/TT_REFRESH_TOKEN or
 * ttapi.toml) take precedence over the file; the sim falls back to its published defaults.
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { atomicWriteFileSync } from "../core/atomic.ts";
import { configError } from "../core/errors.ts";
import { readInputText } from "../core/input-file.ts";
import { registerSecret } from "../core/redact.ts";
import type { Credentials } from "./auth.ts";
import { type ApiEnv, SIM_DEFAULT_CREDENTIALS } from "./environments.ts";

export function credentialsPath(configDir: string): string {
  return join(configDir, "ttapi", "credentials.json");
}

type FileShape = Partial<
  Record<ApiEnv, { "client-secret"?: string; "refresh-token"?: string; "client-id"?: string }>
>;

function readFile(path: string): FileShape {
  if (!existsSync(path)) return {};
  let doc: unknown;
  // A regular file of at most 1 MiB: an I/O problem is said as such, not as "not valid JSON".
  const text = readInputText(path, "credentials file", 1024 * 1024);
  try {
    doc = JSON.parse(text);
  } catch {
    throw configError(`${path}: credentials file is not valid JSON`, {
      hint: "run `ttapi auth logout` then `ttapi auth login` to rewrite it",
    });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw configError(`${path}: credentials file should hold a JSON object`, {
      hint: "run `ttapi auth logout` then `ttapi auth login`",
    });
  }
  return doc as FileShape;
}

export function loadStoredCredentials(configDir: string, env: ApiEnv): Credentials | null {
  const entry = readFile(credentialsPath(configDir))[env];
  const clientSecret = entry?.["client-secret"];
  const refreshToken = entry?.["refresh-token"];
  if (!clientSecret || !refreshToken) return null;
  registerSecret(clientSecret);
  registerSecret(refreshToken);
  return { clientSecret, refreshToken, clientId: entry?.["client-id"] ?? null };
}

export function storeCredentials(configDir: string, env: ApiEnv, c: Credentials): string {
  const path = credentialsPath(configDir);
  const doc = readFile(path);
  doc[env] = {
    "client-secret": c.clientSecret,
    "refresh-token": c.refreshToken,
    ...(c.clientId ? { "client-id": c.clientId } : {}),
  };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  atomicWriteFileSync(path, `${JSON.stringify(doc, null, 2)}\n`, 0o600);
  chmodSync(path, 0o600);
  return path;
}

/** Remove one environment's entry (the file goes when it is empty). Returns whether anything was removed. */
export function removeCredentials(configDir: string, env: ApiEnv): boolean {
  const path = credentialsPath(configDir);
  const doc = readFile(path);
  if (!doc[env]) return false;
  delete doc[env];
  if (Object.keys(doc).length === 0) rmSync(path, { force: true });
  else atomicWriteFileSync(path, `${JSON.stringify(doc, null, 2)}\n`, 0o600);
  return true;
}

/**
 * Credentials for an environment: explicit values (config/env/flags) first, then the file, then
 * (sim only) the sim's published defaults. Null when nothing is configured.
 */
export function resolveCredentials(
  env: ApiEnv,
  explicit: { clientSecret?: string | null; refreshToken?: string | null; clientId?: string | null },
  configDir: string | null,
): Credentials | null {
  if (explicit.clientSecret && explicit.refreshToken) {
    return {
      clientSecret: explicit.clientSecret,
      refreshToken: explicit.refreshToken,
      clientId: explicit.clientId ?? null,
    };
  }
  const stored = configDir ? loadStoredCredentials(configDir, env) : null;
  if (stored) return { ...stored, clientId: explicit.clientId || stored.clientId || null };
  if (env === "sim") return { ...SIM_DEFAULT_CREDENTIALS, clientId: null };
  return null;
}
