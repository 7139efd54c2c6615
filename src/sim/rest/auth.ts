/**
 * The sim's OAuth2 token endpoint and access-token store.
 *
 * Tokens are opaque strings derived from the seed and an issue counter, so a given seed and request
 * sequence yields the same bytes. An access token dies when its TTL passes (checked against the
 * injectable clock) or when a `revoke` fault rolls the revocation epoch past the one it was issued in.
 */
import { hash32 } from "../universe/prng.ts";

export interface AuthConfig {
  seed: string;
  clientSecret: string;
  refreshToken: string;
  /** When set, a `client_id` sent with the grant must equal it. */
  clientId?: string;
  tokenTtlSec: number;
  quoteTokenTtlSec: number;
}

interface IssuedToken {
  expiresAtMs: number;
  epoch: number;
}

export type TokenCheck = "ok" | "missing" | "malformed" | "unknown" | "expired" | "revoked";

export interface OAuthResult {
  status: number;
  body: Record<string, unknown>;
}

export class TokenStore {
  private readonly access = new Map<string, IssuedToken>();
  private readonly quote = new Map<string, number>();
  private issued = 0;
  private quoteIssued = 0;

  constructor(readonly cfg: AuthConfig) {}

  /** Handle a token request body (already parsed from JSON or form encoding). */
  grant(params: Record<string, unknown>, nowMs: number, epoch: number): OAuthResult {
    const grantType = params.grant_type;
    if (grantType !== "refresh_token") {
      return oauthError(400, "unsupported_grant_type", `grant_type must be "refresh_token"`);
    }
    if (typeof params.client_secret !== "string" || params.client_secret !== this.cfg.clientSecret) {
      return oauthError(401, "invalid_client", "Client authentication failed");
    }
    if (
      this.cfg.clientId !== undefined &&
      params.client_id !== undefined &&
      params.client_id !== this.cfg.clientId
    ) {
      return oauthError(401, "invalid_client", "Client authentication failed");
    }
    if (typeof params.refresh_token !== "string" || params.refresh_token !== this.cfg.refreshToken) {
      return oauthError(400, "invalid_grant", "Grant is invalid, expired or revoked");
    }
    // Long-running sims under token-churn tests: drop dead tokens now and then (they'd be 401 anyway).
    if (this.access.size >= 10_000)
      for (const [t, v] of this.access)
        if (nowMs >= v.expiresAtMs || v.epoch !== epoch) this.access.delete(t);
    this.issued++;
    const token = `sim-at.${this.issued.toString(36)}.${hash32(`${this.cfg.seed}|at|${this.issued}`).toString(36)}`;
    this.access.set(token, { expiresAtMs: nowMs + this.cfg.tokenTtlSec * 1000, epoch });
    return {
      status: 200,
      body: {
        access_token: token,
        token_type: "Bearer",
        expires_in: this.cfg.tokenTtlSec,
        refresh_token: this.cfg.refreshToken,
        scope: "read trade",
      },
    };
  }

  check(authorization: string | null, nowMs: number, epoch: number): TokenCheck {
    if (!authorization) return "missing";
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    const token = m ? m[1] : authorization.trim(); // the real API also accepts a bare token
    if (!token) return "malformed";
    const t = this.access.get(token);
    if (!t) return "unknown";
    if (nowMs >= t.expiresAtMs) return "expired";
    if (t.epoch !== epoch) return "revoked";
    return "ok";
  }

  issueQuoteToken(nowMs: number): { token: string; expiresAtMs: number } {
    if (this.quote.size >= 10_000) for (const [t, exp] of this.quote) if (nowMs >= exp) this.quote.delete(t);
    this.quoteIssued++;
    const token = `sim-qt.${this.quoteIssued.toString(36)}.${hash32(`${this.cfg.seed}|qt|${this.quoteIssued}`).toString(36)}`;
    const expiresAtMs = nowMs + this.cfg.quoteTokenTtlSec * 1000;
    this.quote.set(token, expiresAtMs);
    return { token, expiresAtMs };
  }

  validQuoteToken(token: string, nowMs: number): boolean {
    const exp = this.quote.get(token);
    return exp !== undefined && nowMs < exp;
  }

  get accessTokensIssued(): number {
    return this.issued;
  }
}

function oauthError(status: number, error: string, description: string): OAuthResult {
  return { status, body: { error, error_description: description } };
}
