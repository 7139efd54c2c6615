/**
 * The HTTP transport: one place that builds requests (Bearer, `User-Agent: ttapi/<version>`,
 * pinned `Accept-Version`), runs them through the resilience stack and turns every failure into
 * one TTError naming the request.
 *
 * Order of the stack for one logical request:
 *   retry (idempotent only) → circuit breaker of the endpoint group → access token (outside the
 *   bulkhead, so requests waiting for a token never hold a slot the token request needs) →
 *   bulkhead slot (adaptive p-limit) → timeout → fetch + body read + JSON parse.
 * A 401 invalidates the token it was sent with, refreshes once and replays; a second 401 fails.
 * After a network error the next attempt opens a fresh connection (`keepalive: false`), because
 * Bun's pool may hand back the socket the server just closed.
 */
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  type RetryPolicy,
  TaskCancelledError,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from "cockatiel";
import { authError, cancelledError, isTTError, TTError, type TTErrorOptions } from "../core/errors.ts";
import type { Json } from "../core/json.ts";
import { getLogger, newOpId } from "../core/log.ts";
import { redact } from "../core/redact.ts";
import {
  AdaptiveLimiter,
  type BreakerOptions,
  createBreakers,
  createRetryPolicy,
  DEFAULT_BREAKER,
  type EndpointGroup,
  type FailureDetails,
  failureOf,
  isRetryableStatus,
  parseRetryAfter,
  type RetryBackoffOptions,
} from "./resilience.ts";
import { decodeApiError } from "./wire.ts";

export interface TokenSource {
  /** A valid access token (refreshing it first if it is about to expire). */
  getToken(signal?: AbortSignal): Promise<string>;
  /**
   * The server rejected `token`: forget it. Returns true when it was the current token (this
   * caller triggers the refresh), false when a newer token is already in use.
   */
  invalidate(token: string): boolean;
  /** The server accepted `token` (lets the source tell a revoked token from a broken login). */
  confirm?(token: string): void;
  /** `token` is the current token and the server has accepted it at least once. */
  isConfirmed?(token: string): boolean;
}

export interface TransportOptions {
  baseUrl: string;
  userAgent: string;
  acceptVersion?: string | null;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Max retries of an idempotent request after failures (network, 5xx, timeout, open circuit). */
  retries: number;
  /** Max retries after 429s (default max(12, 2 × retries)): throttling is waited out, not failed. */
  throttleRetries?: number;
  /** Bulkhead size to start with (concurrent requests). */
  concurrency: number;
  /** Ceiling the adaptive limiter may grow the bulkhead to (default: 4 × concurrency). */
  maxConcurrency?: number;
  breaker?: Partial<BreakerOptions>;
  backoff?: Partial<RetryBackoffOptions>;
  fetch?: typeof fetch;
}

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path with query string, already encoded (see query.ts). */
  path: string;
  group: EndpointGroup;
  /** JSON body. */
  body?: unknown;
  /** Safe to replay after a failure. Default: true for GET, false otherwise. */
  idempotent?: boolean;
  /** Send `Authorization: Bearer`. Default true. */
  auth?: boolean;
  signal?: AbortSignal;
  /** Override the classification of an error status (e.g. transient OAuth `invalid_request`). */
  classify?: (status: number, apiCode: string | null) => Partial<FailureDetails> | undefined;
  /**
   * Turns a 2xx body into the response value instead of `JSON.parse` (e.g. the columnar chain
   * scanner). It runs inside the attempt, so a SyntaxError (truncated body) is retried like one
   * from `JSON.parse`.
   */
  parse?: (text: string) => unknown;
  // (may return a Promise: it is awaited inside the attempt, outside the bulkhead slot)
}

export interface TransportStats {
  requests: number;
  attempts: number;
  retries: number;
  throttled: number;
  serverErrors: number;
  networkErrors: number;
  parseErrors: number;
  timeouts: number;
  authRefreshes: number;
  freshConnections: number;
  circuitRejections: number;
  failures: number;
  /** Response body characters received (all attempts). */
  bytes: number;
}

export interface ApiResponse<T = Json> {
  status: number;
  body: T;
}

/** 401 → replay cycles per request before giving up (a refresh is re-triggered only for a token that had worked). */
const MAX_401_REPLAYS = 6;

const DEFAULT_BACKOFF: RetryBackoffOptions = {
  baseMs: 100,
  maxMs: 5_000,
  openCircuitMs: DEFAULT_BREAKER.halfOpenAfterMs,
};

/** A compact description for messages and logs: method + path with account numbers masked. */
export function describeRequest(method: string, path: string): string {
  return redact(`${method} ${path.length > 160 ? `${path.slice(0, 157)}…` : path}`);
}

export class Transport {
  readonly baseUrl: string;
  readonly limiter: AdaptiveLimiter;
  readonly breakers: Record<EndpointGroup, CircuitBreakerPolicy>;
  readonly stats: TransportStats = {
    requests: 0,
    attempts: 0,
    retries: 0,
    throttled: 0,
    serverErrors: 0,
    networkErrors: 0,
    parseErrors: 0,
    timeouts: 0,
    authRefreshes: 0,
    freshConnections: 0,
    circuitRejections: 0,
    failures: 0,
    bytes: 0,
  };
  private readonly retry: RetryPolicy;
  private readonly errorRetries: number;
  private readonly throttleRetries: number;
  private readonly timeoutMs: number;
  /** Stateless between calls (each execute gets its own timer and signal): one per transport. */
  private readonly timeout: TimeoutPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly baseHeaders: Record<string, string>;
  private readonly log = getLogger("client.http");
  private tokens: TokenSource | null = null;

  constructor(o: TransportOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, "");
    this.limiter = new AdaptiveLimiter(o.concurrency, 1, 250, o.maxConcurrency ?? o.concurrency * 4);
    const breaker = { ...DEFAULT_BREAKER, ...o.breaker };
    this.breakers = createBreakers(breaker);
    this.errorRetries = o.retries;
    this.throttleRetries = o.throttleRetries ?? Math.max(12, 2 * o.retries);
    this.retry = createRetryPolicy(this.errorRetries + this.throttleRetries, {
      ...DEFAULT_BACKOFF,
      openCircuitMs: breaker.halfOpenAfterMs,
      ...o.backoff,
    });
    this.retry.onRetry(() => {
      this.stats.retries++;
    });
    this.timeoutMs = o.timeoutMs;
    // Cooperative: the timeout aborts fetch's signal, and Bun's fetch rejects on abort both
    // before the headers and while the body streams (a stalled body included). That avoids the
    // aggressive strategy's Promise.race and its extra abort listeners on every request, and
    // there is nothing to abort once the body has been read.
    this.timeout = timeout(o.timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false });
    this.fetchImpl = o.fetch ?? fetch;
    this.baseHeaders = { "User-Agent": o.userAgent, Accept: "application/json" };
    if (o.acceptVersion) this.baseHeaders["Accept-Version"] = o.acceptVersion;
  }

  setTokenSource(tokens: TokenSource): void {
    this.tokens = tokens;
  }

  /** Run one logical request through the resilience stack; resolves with the parsed JSON body. */
  async request<T = Json>(spec: RequestSpec): Promise<ApiResponse<T>> {
    this.stats.requests++;
    const reqId = newOpId("req");
    const idempotent = spec.idempotent ?? spec.method === "GET";
    const state: AttemptState = {
      attempt: 0,
      fresh: false,
      refreshed: false,
      errorRetries: 0,
      throttleRetries: 0,
    };
    const once = (signal: AbortSignal | undefined) =>
      this.breakers[spec.group]
        .execute(() => this.withToken(spec, reqId, state, signal), signal)
        .catch((e: unknown) => {
          throw this.spendBudget(e, spec, state);
        });
    try {
      return (
        idempotent
          ? await this.retry.execute(({ signal }) => once(signal), spec.signal)
          : await once(spec.signal)
      ) as ApiResponse<T>;
    } catch (e) {
      this.stats.failures++;
      throw this.finalError(e, spec);
    }
  }

  /**
   * Two retry budgets per request: `retries` for failures (network, 5xx, timeouts, open circuit)
   * and a larger one for 429s, because a throttled request is not failing: it waits its turn while
   * the bulkhead shrinks. A failure past its budget is marked non-retryable, which stops the
   * cockatiel retry policy (whose own cap is the sum of both budgets).
   */
  private spendBudget(e: unknown, spec: RequestSpec, state: AttemptState): unknown {
    const err = e instanceof BrokenCircuitError ? this.circuitError(e, spec) : e;
    const f = failureOf(err);
    if (!f?.retryable) return err;
    if (f.freshConnection) state.fresh = true;
    const throttled = f.status === 429;
    const spent = throttled ? ++state.throttleRetries : ++state.errorRetries;
    if (spent > (throttled ? this.throttleRetries : this.errorRetries)) f.retryable = false;
    return err;
  }

  private circuitError(e: BrokenCircuitError, spec: RequestSpec): TTError {
    this.stats.circuitRejections++;
    return new TTError(
      "E_CIRCUIT_OPEN",
      `${describeRequest(spec.method, spec.path)}: circuit open for the ${spec.group} endpoints after repeated failures`,
      {
        cause: e,
        hint: "the API is failing; it is retried automatically after a pause, or rerun later",
        details: { group: spec.group, retryable: true, breaker: false },
      },
    );
  }

  private finalError(e: unknown, spec: RequestSpec): TTError {
    const what = describeRequest(spec.method, spec.path);
    if (spec.signal?.aborted) return cancelledError(`${what}: cancelled`, { cause: e });
    if (e instanceof BrokenCircuitError) return this.circuitError(e, spec);
    if (isTTError(e)) return e;
    return new TTError("E_INTERNAL", `${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }

  private async withToken(
    spec: RequestSpec,
    reqId: string,
    state: AttemptState,
    signal: AbortSignal | undefined,
  ): Promise<ApiResponse<unknown>> {
    state.attempt++;
    let rejections = 0;
    for (;;) {
      const token = spec.auth === false ? null : await this.requireTokens().getToken(signal);
      const raw = await this.limiter.run(() => this.send(spec, reqId, state, token, signal));
      if (raw.status === 401 && token !== null) {
        // Expired or revoked mid-run: replay with a fresh token (also for POST: a 401 means the
        // server did not act on the request). A request triggers at most ONE refresh itself; a
        // rejected token that was already replaced by another request's refresh is not counted,
        // so a revocation racing with a refresh does not fail requests that never got a chance.
        // A token other requests had been using successfully was revoked (or expired early): that
        // is a new event, so this request may trigger a refresh for it even if it triggered one
        // before. A token rejected before anyone used it means the refresh did not help: fail.
        const source = this.requireTokens();
        const wasConfirmed = source.isConfirmed?.(token) ?? false;
        const triggered = source.invalidate(token);
        if (++rejections <= MAX_401_REPLAYS && (!triggered || !state.refreshed || wasConfirmed)) {
          if (triggered) {
            state.refreshed = true;
            this.stats.authRefreshes++;
          }
          continue;
        }
        const { code, message } = decodeApiError(safeParse(raw.text));
        throw authError(
          `${describeRequest(spec.method, spec.path)}: rejected with 401 after refreshing the access token${code ? ` (${code}${message ? `: ${message}` : ""})` : ""}`,
          {
            hint: "the credentials lack access, or the User-Agent/clock is wrong; run `ttapi auth login` again",
            details: { status: 401, retryable: false, breaker: false },
          },
        );
      }
      if (token !== null && raw.status < 400) this.tokens?.confirm?.(token);
      return this.interpret(spec, raw);
    }
  }

  private requireTokens(): TokenSource {
    if (!this.tokens)
      throw authError("no credentials configured for an authenticated request", {
        hint: "run `ttapi auth login` or set TT_CLIENT_SECRET and TT_REFRESH_TOKEN",
      });
    return this.tokens;
  }

  /** One HTTP exchange inside a bulkhead slot, bounded by the timeout. Never throws on a status. */
  /** GET headers for the current token, built once per token instead of once per request. */
  private getHeaders(token: string | null): Headers {
    if (this.cachedHeaders === null || this.cachedHeadersToken !== token) {
      const h = new Headers(this.baseHeaders);
      if (token !== null) h.set("Authorization", `Bearer ${token}`);
      this.cachedHeaders = h;
      this.cachedHeadersToken = token;
    }
    return this.cachedHeaders;
  }
  private cachedHeaders: Headers | null = null;
  private cachedHeadersToken: string | null = null;

  private async send(
    spec: RequestSpec,
    reqId: string,
    state: AttemptState,
    token: string | null,
    signal: AbortSignal | undefined,
  ): Promise<RawResponse> {
    this.stats.attempts++;
    let headers: Headers | Record<string, string>;
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers = { ...this.baseHeaders, "Content-Type": "application/json" };
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      body = JSON.stringify(spec.body);
    } else headers = this.getHeaders(token);
    const fresh = state.fresh;
    if (fresh) this.stats.freshConnections++;
    const started = performance.now();
    let timedOut = false;
    try {
      const raw = await this.timeout.execute(async ({ signal: s }) => {
        try {
          const res = await this.fetchImpl(this.baseUrl + spec.path, {
            method: spec.method,
            headers,
            body,
            signal: s,
            keepalive: !fresh,
          });
          const text = await res.text();
          return { status: res.status, text, headers: res.headers };
        } catch (e) {
          // Our timer aborted the exchange (not the caller): report it as a timeout.
          if (s.aborted && !signal?.aborted) timedOut = true;
          throw e;
        }
      }, signal);
      state.fresh = false;
      this.stats.bytes += raw.text.length;
      this.trace(reqId, spec, state, raw.status, started, raw.text.length);
      return raw;
    } catch (e) {
      if (signal?.aborted)
        throw cancelledError(`${describeRequest(spec.method, spec.path)}: cancelled`, { cause: e });
      state.fresh = true;
      if (timedOut || e instanceof TaskCancelledError) {
        this.stats.timeouts++;
        this.trace(reqId, spec, state, 0, started, 0, "timeout");
        throw failure(
          "E_TIMEOUT",
          `${describeRequest(spec.method, spec.path)}: no response within ${this.timeoutMs} ms`,
          {
            hint: "the API is slow; raise api.timeout or retry later",
            details: { retryable: true, breaker: true, freshConnection: true },
          },
        );
      }
      this.stats.networkErrors++;
      const reason = networkReason(e);
      this.trace(reqId, spec, state, 0, started, 0, reason);
      throw failure("E_NETWORK", `${describeRequest(spec.method, spec.path)}: ${reason}`, {
        cause: e,
        hint: "check the network and --url; transient failures are retried automatically",
        details: { retryable: true, breaker: true, freshConnection: true },
      });
    }
  }

  private trace(
    reqId: string,
    spec: RequestSpec,
    state: AttemptState,
    status: number,
    started: number,
    bytes: number,
    error?: string,
  ): void {
    if (!this.log.enabled("trace")) return;
    this.log.trace("request", {
      req: reqId,
      method: spec.method,
      path: redact(spec.path),
      group: spec.group,
      status,
      attempt: state.attempt,
      ms: Math.round((performance.now() - started) * 10) / 10,
      bytes,
      ...(error ? { error } : {}),
    });
  }

  /**
   * A truncated body (connection cut mid-response with a short Content-Length or chunked encoding
   * ended early) is a transport failure, not bad data: retry on a fresh connection.
   */
  private parseFailure(spec: RequestSpec, raw: RawResponse, e: unknown): TTError {
    this.stats.parseErrors++;
    return failure(
      "E_PARSE",
      `${describeRequest(spec.method, spec.path)}: response body is not valid JSON (${raw.text.length} bytes, likely truncated)`,
      {
        cause: e,
        hint: "the connection was probably cut; it is retried automatically",
        details: { status: raw.status, retryable: true, breaker: true, freshConnection: true },
      },
    );
  }

  /** Status + body → parsed JSON, or a classified TTError. */
  private interpret(
    spec: RequestSpec,
    raw: RawResponse,
  ): ApiResponse<unknown> | Promise<ApiResponse<unknown>> {
    if (raw.status >= 200 && raw.status < 300) {
      let body: unknown;
      try {
        body = raw.text.length === 0 ? null : spec.parse ? spec.parse(raw.text) : JSON.parse(raw.text);
      } catch (e) {
        throw this.parseFailure(spec, raw, e);
      }
      if (body instanceof Promise) {
        // An asynchronous parser (a worker): still inside the attempt, outside the bulkhead slot.
        return body.then(
          (b: unknown) => {
            this.limiter.onSuccess();
            return { status: raw.status, body: b };
          },
          (e: unknown) => {
            throw this.parseFailure(spec, raw, e);
          },
        );
      }
      this.limiter.onSuccess();
      return { status: raw.status, body };
    }
    // Only failures pay for the (redacting) request description.
    const what = describeRequest(spec.method, spec.path);
    const { code, message } = decodeApiError(safeParse(raw.text));
    const retryAfterMs = parseRetryAfter(raw.headers.get("retry-after")) ?? undefined;
    const override = spec.classify?.(raw.status, code);
    const base: FailureDetails = {
      status: raw.status,
      retryable: isRetryableStatus(raw.status),
      breaker: raw.status >= 500 && raw.status !== 501,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...override,
    };
    const apiPart = code || message ? ` (${[code, message].filter(Boolean).join(": ")})` : "";
    if (raw.status === 429) {
      this.stats.throttled++;
      this.limiter.onThrottled();
      return throwFailure("E_RATE_LIMIT", `${what}: rate limited (429)${apiPart}`, {
        hint: "requests are slowed down and retried automatically; lower api.concurrency if it persists",
        details: { ...base, apiCode: code },
      });
    }
    if (raw.status >= 500) this.stats.serverErrors++;
    const hint =
      raw.status === 404
        ? "unknown symbol or account (OCC symbols, not streamer symbols, go in REST paths)"
        : raw.status === 406
          ? "the pinned Accept-Version is no longer supported; update api.accept-version"
          : raw.status === 403
            ? "the credentials lack permission for this endpoint (or it is not served in this environment)"
            : base.retryable
              ? "transient server error, retried automatically"
              : "check the request parameters";
    return throwFailure("E_HTTP", `${what}: HTTP ${raw.status}${apiPart}`, {
      hint,
      details: { ...base, apiCode: code },
    });
  }
}

interface AttemptState {
  attempt: number;
  /** Use a new connection for the next exchange. */
  fresh: boolean;
  /** The 401 → refresh → replay has been used. */
  refreshed: boolean;
  /** Retries spent on failures / on 429s (separate budgets). */
  errorRetries: number;
  throttleRetries: number;
}

interface RawResponse {
  status: number;
  text: string;
  headers: Headers;
}

function failure(
  code: TTError["code"],
  message: string,
  o: TTErrorOptions & { details: FailureDetails & Record<string, unknown> },
): TTError {
  return new TTError(code, message, o);
}
function throwFailure(
  code: TTError["code"],
  message: string,
  o: TTErrorOptions & { details: FailureDetails & Record<string, unknown> },
): never {
  throw failure(code, message, o);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function networkReason(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  const msg = (e as Error)?.message ?? String(e);
  const short = msg.split(".")[0] ?? msg;
  return typeof code === "string" && !short.startsWith(code) ? `${code}: ${short}` : short;
}
