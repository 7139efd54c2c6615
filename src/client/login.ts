/**
 * The operations behind `ttapi auth login|status|logout`, as a library: store credentials (after
 * verifying them with one grant), report the environment and token expiry without ever returning
 * a secret, and forget credentials + cached tokens.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../core/config.ts";
import { configError, usageError } from "../core/errors.ts";
import { registerSecret } from "../core/redact.ts";
import type { Credentials, TokenManager } from "./auth.ts";
import { type ClientOptions, clientOptionsFromConfig, createClient } from "./client.ts";
import {
  credentialsPath,
  loadStoredCredentials,
  removeCredentials,
  storeCredentials,
} from "./credentials.ts";
import { type ApiEnv, resolveBaseUrl } from "./environments.ts";

export type CredentialSource = "config" | "credentials-file" | "sim-defaults" | "none";

export interface AuthStatus {
  env: ApiEnv;
  baseUrl: string;
  credentialSource: CredentialSource;
  credentialsFile: string;
  /** Epoch ms of the cached (or, with `check`, freshly obtained) access token's expiry. */
  tokenExpiresAt: number | null;
  /** Whether a grant was performed/validated now (`check`). */
  checked: boolean;
}

function sourceOf(o: ClientOptions, configDir: string): CredentialSource {
  const env = o.env ?? "production";
  if (o.clientSecret && o.refreshToken) return "config";
  if (loadStoredCredentials(configDir, env)) return "credentials-file";
  return env === "sim" ? "sim-defaults" : "none";
}

export interface LoginInput extends Partial<Credentials> {
  /** Perform one grant to verify before storing (default true). */
  verify?: boolean;
  signal?: AbortSignal;
}

/** Verify (one grant) and store credentials for the configured environment; returns the file path. */
export async function authLogin(
  config: Config,
  dataDir: string,
  configDir: string,
  input: LoginInput,
): Promise<{ file: string; status: AuthStatus }> {
  const o = clientOptionsFromConfig(config, dataDir);
  const env = o.env ?? "production";
  const clientSecret = input.clientSecret || o.clientSecret;
  const refreshToken = input.refreshToken || o.refreshToken;
  if (!clientSecret || !refreshToken) {
    throw usageError("auth login needs a client secret and a refresh token", {
      hint: "pass --client-secret/--refresh-token, set TT_CLIENT_SECRET/TT_REFRESH_TOKEN, or run it in a terminal to be prompted",
    });
  }
  registerSecret(clientSecret);
  registerSecret(refreshToken);
  const creds: Credentials = { clientSecret, refreshToken, clientId: input.clientId || o.clientId || null };
  let expiresAt: number | null = null;
  if (input.verify !== false) {
    const client = createClient({ ...o, ...creds, configDir: null, retries: Math.min(o.retries ?? 2, 2) });
    const t = await (client.tokens as TokenManager).refresh(input.signal);
    expiresAt = t.expiresAt;
  }
  const file = storeCredentials(configDir, env, creds);
  return {
    file,
    status: {
      env,
      baseUrl: resolveBaseUrl(env, o.baseUrl),
      credentialSource: "credentials-file",
      credentialsFile: file,
      tokenExpiresAt: expiresAt,
      checked: input.verify !== false,
    },
  };
}

/** Environment, where credentials come from and the token expiry; `check` obtains a token if needed. */
export async function authStatus(
  config: Config,
  dataDir: string,
  configDir: string,
  opts: { check?: boolean; signal?: AbortSignal } = {},
): Promise<AuthStatus> {
  const o = clientOptionsFromConfig(config, dataDir);
  o.configDir = configDir;
  const env = o.env ?? "production";
  const client = createClient({ ...o, retries: Math.min(o.retries ?? 2, 2) });
  const status: AuthStatus = {
    env,
    baseUrl: client.baseUrl,
    credentialSource: sourceOf(o, configDir),
    credentialsFile: credentialsPath(configDir),
    tokenExpiresAt: client.tokens?.status().expiresAt ?? null,
    checked: false,
  };
  if (opts.check) {
    if (!client.tokens) {
      throw configError(`no credentials for the ${env} environment`, {
        hint: "run `ttapi auth login` (or set TT_CLIENT_SECRET and TT_REFRESH_TOKEN)",
      });
    }
    await client.tokens.getToken(opts.signal);
    status.tokenExpiresAt = client.tokens.status().expiresAt;
    status.checked = true;
  }
  return status;
}

/** Remove stored credentials for the environment and every cached access token. */
export function authLogout(
  config: Config,
  dataDir: string,
  configDir: string,
): { removedCredentials: boolean; removedTokens: number } {
  const o = clientOptionsFromConfig(config, dataDir);
  const removedCredentials = removeCredentials(configDir, o.env ?? "production");
  // Token caches are keyed by a fingerprint of (URL, credentials); a logout drops them all.
  const dir = join(dataDir, "auth");
  let removedTokens = 0;
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) {
      if (/^token-[0-9a-f]+\.json$/.test(f)) {
        rmSync(join(dir, f), { force: true });
        removedTokens++;
      }
    }
  }
  return { removedCredentials, removedTokens };
}
