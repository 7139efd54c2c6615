/**
 * OAuth2 access tokens: the refresh-token grant against `POST /oauth/token`, refreshed
 * single-flight shortly before expiry, cached on disk (0600) so cron runs reuse a still-valid token
 * instead of logging in every minute. The cache holds the access token and its expiry only, never
 * the refresh token or the client secret.
 *
 * Failure policy:
 *  - `invalid_grant` / `invalid_client` / any other 4xx → one E_AUTH error, remembered: every later
 *    caller gets the same error without another request (no retry storm, no IP lockout);
 *  - 5xx, network errors and the transient `error_code: invalid_request` seen near market open are
 *    retried by the transport. The grant is a POST, but replaying it is safe: it only issues a
 *    token and has no other effect (reference §7 asks for exactly this retry).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { atomicWriteFileSync } from "../core/atomic.ts";
import { authError, isTTError, parseError, TTError } from "../core/errors.ts";
import { getLogger } from "../core/log.ts";
import { registerSecret } from "../core/redact.ts";
import { failureOf } from "./resilience.ts";
import type { TokenSource, Transport } from "./transport.ts";
import { asObject, num, str } from "./wire.ts";

export interface Credentials {
  clientSecret: string;
  refreshToken: string;
  clientId?: string | null;
}

export interface CachedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms when it was issued (to scale the refresh margin for short-lived tokens). */
  issuedAt: number;
  /** A rotated refresh token, if the server sent one (kept in memory only, never cached on disk). */
  refreshToken?: string;
}

export interface TokenManagerOptions {
  transport: Transport;
  credentials: Credentials;
  /** Directory for the 0600 token cache (`<data-dir>/auth`); null disables the disk cache. */
  cacheDir: string | null;
  /** Refresh this long before expiry (default 60 s; scaled down for tokens living < 10 min). */
  refreshMarginMs?: number;
  now?: () => number;
}

/** Where the token for (base URL, credentials) is cached: a fingerprint, never the secret itself. */
export function tokenCachePath(cacheDir: string, baseUrl: string, c: Credentials): string {
  const fp = createHash("sha256")
    .update(`${baseUrl}\0${c.clientSecret}\0${c.refreshToken}`)
    .digest("hex")
    .slice(0, 16);
  return join(cacheDir, `token-${fp}.json`);
}

/** The token response (no `data` envelope) → cached token; throws E_PARSE on a malformed body. */
export function decodeTokenResponse(body: unknown, now: number): CachedToken {
  const o = asObject(body as never, "POST /oauth/token");
  const accessToken = str(o, "access_token", "POST /oauth/token");
  if (!accessToken)
    throw parseError("POST /oauth/token: response has no access_token", {
      hint: "check --url points at the TastyTrade API",
    });
  const expiresIn = num(o, "expires_in", "POST /oauth/token") ?? 900;
  const rotated = str(o, "refresh_token", "POST /oauth/token");
  return {
    accessToken,
    issuedAt: now,
    expiresAt: now + expiresIn * 1000,
    ...(rotated ? { refreshToken: rotated } : {}),
  };
}

const FATAL_OAUTH = new Set([
  "invalid_grant",
  "invalid_client",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
]);

export class TokenManager implements TokenSource {
  private token: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;
  private fatal: TTError | null = null;
  private loadedFromDisk = false;
  /** Whether a request has succeeded with the current token. */
  private confirmed = false;
  private unconfirmedRejections = 0;
  private readonly log = getLogger("client.auth");
  private readonly now: () => number;
  private readonly cacheFile: string | null;
  private refreshToken: string;
  refreshes = 0;

  constructor(private readonly o: TokenManagerOptions) {
    this.now = o.now ?? Date.now;
    registerSecret(o.credentials.clientSecret);
    registerSecret(o.credentials.refreshToken);
    this.refreshToken = o.credentials.refreshToken;
    this.cacheFile = o.cacheDir ? tokenCachePath(o.cacheDir, o.transport.baseUrl, o.credentials) : null;
  }

  /** Current token state for `ttapi auth status` (never the token itself). */
  status(): { expiresAt: number | null; source: "memory" | "disk" | "none" } {
    if (!this.loadedFromDisk) this.loadFromDisk();
    return {
      expiresAt: this.token?.expiresAt ?? null,
      source: this.token ? (this.refreshes > 0 ? "memory" : "disk") : "none",
    };
  }

  private margin(t: CachedToken): number {
    const lifetime = t.expiresAt - t.issuedAt;
    return Math.min(this.o.refreshMarginMs ?? 60_000, lifetime * 0.1);
  }

  private fresh(t: CachedToken | null): boolean {
    return t !== null && this.now() < t.expiresAt - this.margin(t);
  }

  async getToken(signal?: AbortSignal): Promise<string> {
    if (this.fatal) throw this.fatal;
    if (!this.loadedFromDisk) this.loadFromDisk();
    if (this.token && this.fresh(this.token)) return this.token.accessToken;
    return (await this.refresh(signal)).accessToken;
  }

  invalidate(token: string): boolean {
    if (this.token?.accessToken !== token) return false;
    this.token = null;
    if (!this.confirmed) {
      // A token rejected before any request succeeded with it. Twice in a row means the server
      // rejects freshly issued tokens (bad User-Agent, wrong environment, missing scope): stop
      // instead of refreshing in a loop.
      if (++this.unconfirmedRejections >= 2) {
        this.fatal = authError("the API rejects freshly issued access tokens (401)", {
          hint: "check --env/--url match the credentials and that the account has API access; run `ttapi auth login` again",
          details: { status: 401, retryable: false, breaker: false },
        });
      }
    } else this.unconfirmedRejections = 0;
    this.log.debug("access token rejected by the server; refreshing");
    return true;
  }

  isConfirmed(token: string): boolean {
    return this.confirmed && this.token?.accessToken === token;
  }

  confirm(token: string): void {
    if (!this.confirmed && this.token?.accessToken === token) {
      this.confirmed = true;
      this.unconfirmedRejections = 0;
    }
  }

  /** Single-flight refresh: concurrent callers share one grant request. */
  refresh(signal?: AbortSignal): Promise<CachedToken> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (!this.inflight) {
      this.inflight = this.grant(signal).finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async grant(signal?: AbortSignal): Promise<CachedToken> {
    const c = this.o.credentials;
    const body: Record<string, string> = {
      grant_type: "refresh_token",
      refresh_token: this.refreshToken,
      client_secret: c.clientSecret,
    };
    if (c.clientId) body.client_id = c.clientId;
    const started = this.now();
    let res: Awaited<ReturnType<Transport["request"]>>;
    try {
      res = await this.o.transport.request({
        method: "POST",
        path: "/oauth/token",
        group: "auth",
        body,
        auth: false,
        idempotent: true,
        signal,
        classify: (status, code) =>
          code === "invalid_request" && (status === 400 || status === 401)
            ? { retryable: true, breaker: false } // transient "not a customer" near market open
            : undefined,
      });
    } catch (e) {
      throw this.grantFailure(e);
    }
    const t = decodeTokenResponse(res.body, started);
    registerSecret(t.accessToken);
    if (t.refreshToken) {
      registerSecret(t.refreshToken);
      this.refreshToken = t.refreshToken;
    } else if (this.refreshToken !== c.refreshToken) t.refreshToken = this.refreshToken;
    this.token = t;
    this.confirmed = false;
    this.refreshes++;
    this.log.debug("access token refreshed", { expiresInS: Math.round((t.expiresAt - started) / 1000) });
    this.saveToDisk(t);
    return t;
  }

  private grantFailure(e: unknown): TTError {
    const f = failureOf(e);
    const rejected =
      f?.status !== undefined && f.status >= 400 && f.status < 500 && f.status !== 408 && f.status !== 429;
    if (isTTError(e) && f && !f.retryable && rejected) {
      const apiCode = (e.details?.apiCode as string | null | undefined) ?? null;
      const err = authError(
        `OAuth refresh-token grant rejected (HTTP ${f.status}${apiCode ? `, ${apiCode}` : ""})`,
        {
          cause: e,
          hint:
            FATAL_OAUTH.has(apiCode ?? "") || f.status === 401
              ? "the client secret or refresh token is wrong or revoked for this environment; run `ttapi auth login` (check --env)"
              : "the token endpoint refused the request; check --env/--url and the credentials",
          details: { status: f.status, retryable: false, breaker: false },
        },
      );
      // Remember it: every waiting or later request fails with this one error, no new attempts.
      this.fatal = err;
      return err;
    }
    if (isTTError(e) && e.code === "E_CANCELLED") return e;
    // Transient (network, 5xx, 429) and already retried by the grant request itself: the callers
    // waiting for this token must not retry it again each (that would multiply the attempts), and
    // an unreachable token endpoint says nothing about the health of their own endpoint group.
    const code = isTTError(e) ? e.code : "E_AUTH";
    return new TTError(code, `could not obtain an access token: ${(e as Error)?.message ?? String(e)}`, {
      cause: e,
      hint: isTTError(e) && e.hint ? e.hint : "check the network and --url, then retry",
      details: { ...(isTTError(e) ? e.details : {}), retryable: false, breaker: false },
    });
  }

  private loadFromDisk(): void {
    this.loadedFromDisk = true;
    if (!this.cacheFile || !existsSync(this.cacheFile)) return;
    try {
      const o = JSON.parse(readFileSync(this.cacheFile, "utf8")) as Partial<CachedToken>;
      if (
        typeof o.accessToken !== "string" ||
        typeof o.expiresAt !== "number" ||
        typeof o.issuedAt !== "number"
      )
        return;
      registerSecret(o.accessToken);
      const t: CachedToken = { accessToken: o.accessToken, expiresAt: o.expiresAt, issuedAt: o.issuedAt };
      if (typeof o.refreshToken === "string") {
        // Written by an earlier version: a second copy of the long-lived secret. Drop it from disk.
        registerSecret(o.refreshToken);
        this.saveToDisk(t);
      }
      if (this.fresh(t)) this.token = t;
      if (this.token)
        this.log.debug("reusing cached access token", { expiresAt: new Date(t.expiresAt).toISOString() });
    } catch {
      // A corrupt cache is just a cache miss.
    }
  }

  /**
   * Only the short-lived access token goes to disk. The refresh token stays where the user put it
   * (credentials file, environment, config): a rotated one is used for this process only.
   */
  private saveToDisk(t: CachedToken): void {
    if (!this.cacheFile) return;
    try {
      mkdirSync(dirname(this.cacheFile), { recursive: true, mode: 0o700 });
      const atRest = { accessToken: t.accessToken, expiresAt: t.expiresAt, issuedAt: t.issuedAt };
      atomicWriteFileSync(this.cacheFile, JSON.stringify(atRest), 0o600);
    } catch (e) {
      this.log.warn("could not cache the access token on disk", { error: (e as Error).message });
    }
  }

  /** Forget the cached token (memory and disk), e.g. on `ttapi auth logout`. */
  clearCache(): void {
    this.token = null;
    if (this.cacheFile) rmSync(this.cacheFile, { force: true });
  }
}
