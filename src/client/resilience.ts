/**
 * Resilience building blocks for the REST transport, on cockatiel and p-limit:
 *  - one circuit breaker per endpoint group (a failing market-data route must not stop instrument
 *    downloads), sampling-based so a steady 20 % of 5xx does not trip it but an outage does;
 *  - retry with exponential backoff and full jitter (backoff.ts), honouring `Retry-After` when the server sends it;
 *  - a per-request timeout;
 *  - a bulkhead (p-limit) whose size adapts AIMD-style: halve on 429, +1 per window of successes.
 * Which failures are retryable is decided here, from the TTError the transport raises.
 */
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  type IRetryBackoffContext,
  type RetryPolicy,
  retry,
  SamplingBreaker,
} from "cockatiel";
import pLimit, { type LimitFunction } from "p-limit";
import { configError, isTTError } from "../core/errors.ts";
import { type BackoffOptions, fullJitter } from "./backoff.ts";

export type EndpointGroup = "auth" | "accounts" | "instruments" | "marketData" | "metrics";
export const ENDPOINT_GROUPS: readonly EndpointGroup[] = [
  "auth",
  "accounts",
  "instruments",
  "marketData",
  "metrics",
];

/** Facts the transport attaches to the TTErrors it raises (in `details`). */
export interface FailureDetails {
  status?: number;
  retryable: boolean;
  /** Counts against the group's circuit breaker (outage-like: network, timeout, 5xx). */
  breaker: boolean;
  /** Server-requested delay (Retry-After), ms. */
  retryAfterMs?: number;
  /** The failure suggests the pooled connection is bad: retry on a fresh one. */
  freshConnection?: boolean;
}

export function failureOf(e: unknown): FailureDetails | null {
  if (!isTTError(e) || !e.details) return null;
  const d = e.details as Partial<FailureDetails>;
  return typeof d.retryable === "boolean" ? (d as FailureDetails) : null;
}

/** Statuses worth retrying: 408, 429 and 5xx except 501 (Not Implemented never gets better). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** `Retry-After` as delta-seconds or an HTTP date → ms (null when absent or unusable). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

export interface RetryBackoffOptions extends BackoffOptions {
  /** Delay when the circuit is open, ms (about the half-open interval). */
  openCircuitMs: number;
  random?: () => number;
}

const MAX_RETRY_AFTER_MS = 120_000;

/**
 * The delay before retry `attempt` (1-based, as cockatiel counts): full jitter (backoff.ts), with a
 * server's `Retry-After` as a floor. An open circuit waits about the half-open interval instead.
 */
export function retryDelay(attempt: number, failure: unknown, o: RetryBackoffOptions): number {
  const random = o.random ?? Math.random;
  let delay = fullJitter(attempt - 1, o, random);
  if (failure instanceof BrokenCircuitError || (isTTError(failure) && failure.code === "E_CIRCUIT_OPEN")) {
    delay = o.openCircuitMs * (0.5 + random() * 0.5);
  }
  const retryAfter = failureOf(failure)?.retryAfterMs;
  // Honour the server, but never sleep for absurd values (a misconfigured proxy saying "1 day").
  if (retryAfter !== undefined) delay = Math.max(delay, Math.min(retryAfter, MAX_RETRY_AFTER_MS));
  return Math.round(delay);
}

/** Retry when the failure says so (the transport turns an open circuit into a retryable E_CIRCUIT_OPEN). */
export function isRetryable(e: unknown): boolean {
  if (e instanceof BrokenCircuitError) return true;
  return failureOf(e)?.retryable === true;
}

export function createRetryPolicy(maxRetries: number, o: RetryBackoffOptions): RetryPolicy {
  return retry(handleWhen(isRetryable), {
    maxAttempts: maxRetries,
    backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) =>
      retryDelay(ctx.attempt, "error" in ctx.result ? ctx.result.error : undefined, o),
    ),
  });
}

export interface BreakerOptions {
  /** Failure fraction over the sampling window that opens the circuit. */
  threshold: number;
  /** Sampling window, ms. */
  windowMs: number;
  /** Minimum request rate in the window before the breaker may open. */
  minimumRps: number;
  /** Open → half-open after this long, ms. */
  halfOpenAfterMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  threshold: 0.5,
  windowMs: 10_000,
  minimumRps: 2,
  halfOpenAfterMs: 5_000,
};

export function createBreakers(o: BreakerOptions): Record<EndpointGroup, CircuitBreakerPolicy> {
  const out = {} as Record<EndpointGroup, CircuitBreakerPolicy>;
  for (const g of ENDPOINT_GROUPS) {
    out[g] = circuitBreaker(
      handleWhen((e) => failureOf(e)?.breaker === true),
      {
        halfOpenAfter: o.halfOpenAfterMs,
        breaker: new SamplingBreaker({
          threshold: o.threshold,
          duration: o.windowMs,
          minimumRps: o.minimumRps,
        }),
      },
    );
  }
  return out;
}

/**
 * The bulkhead: at most `current` requests in flight, `current` ∈ [min, max], starting at `start`.
 * On a 429 the limit halves (at most once per `cooldownMs`, so one burst of 429s counts as one
 * signal); after `current` consecutive successes it grows by one, up to `max`: additive increase,
 * multiplicative decrease. Until the first 429 it grows by one per success instead (slow start, as
 * in TCP): starting low costs little while the service keeps up, and no quota is published.
 */
export class AdaptiveLimiter {
  private readonly limit: LimitFunction;
  private successes = 0;
  private lastDecrease = 0;
  /** No 429 seen yet: grow by one per success. */
  private slowStart = true;
  readonly max: number;
  readonly min: number;
  decreases = 0;

  constructor(
    start: number,
    min = 1,
    private readonly cooldownMs = 250,
    max = start,
  ) {
    if (!Number.isInteger(start) || start < 1)
      throw configError(`api.concurrency must be an integer ≥ 1, got ${start}`, {
        hint: "set api.concurrency (or TTAPI_CONCURRENCY) to e.g. 16",
      });
    this.max = Math.max(start, Math.floor(max));
    this.min = Math.min(min, start);
    this.limit = pLimit(start);
  }

  get current(): number {
    return this.limit.concurrency;
  }
  get active(): number {
    return this.limit.activeCount;
  }
  get pending(): number {
    return this.limit.pendingCount;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.limit(fn);
  }

  onThrottled(now = Date.now()): void {
    this.successes = 0;
    this.slowStart = false;
    if (now - this.lastDecrease < this.cooldownMs) return;
    this.lastDecrease = now;
    const next = Math.max(this.min, Math.floor(this.limit.concurrency / 2));
    if (next !== this.limit.concurrency) {
      this.limit.concurrency = next;
      this.decreases++;
    }
  }

  onSuccess(): void {
    if (this.limit.concurrency >= this.max) return;
    if (this.slowStart || ++this.successes >= this.limit.concurrency) {
      this.successes = 0;
      this.limit.concurrency = this.limit.concurrency + 1;
    }
  }
}
