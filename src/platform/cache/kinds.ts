/**
 * Artifact kinds and their time-to-live. A kind groups artifacts that age the same way; the TTL
 * comes from the config (`cache.ttl.*`). EOD data is special: it stays fresh until the next
 * session close (16:00 New York, weekdays, exchange holidays skipped), because a new daily bar
 * only exists after that. Derived artifacts (the universe, statistics) never expire by age: they
 * are valid exactly as long as their inputs' fingerprints are unchanged.
 */
import type { Config } from "../../core/config.ts";
import { nextSessionClose } from "../../core/time.ts";

export const ARTIFACT_KINDS = [
  "accounts",
  "quote-token",
  "instruments",
  "chains",
  "metrics",
  "quotes",
  "option-quotes",
  "eod",
  "universe",
  "stats",
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export function isArtifactKind(s: string): s is ArtifactKind {
  return (ARTIFACT_KINDS as readonly string[]).includes(s);
}

export type TtlPolicy =
  | { type: "seconds"; seconds: number }
  | { type: "session-close" }
  | { type: "derived" };

type TtlConfig = Pick<
  Config,
  | "cache.ttl.accounts"
  | "cache.ttl.quote-token"
  | "cache.ttl.instruments"
  | "cache.ttl.chains"
  | "cache.ttl.metrics"
  | "cache.ttl.quotes"
  | "cache.ttl.eod"
>;

const TTL_KEY: Partial<Record<ArtifactKind, keyof TtlConfig>> = {
  accounts: "cache.ttl.accounts",
  "quote-token": "cache.ttl.quote-token",
  instruments: "cache.ttl.instruments",
  chains: "cache.ttl.chains",
  metrics: "cache.ttl.metrics",
  quotes: "cache.ttl.quotes",
  // Option quotes age like the underlyings' quote snapshots.
  "option-quotes": "cache.ttl.quotes",
  eod: "cache.ttl.eod",
};

export function ttlPolicy(kind: ArtifactKind, config: TtlConfig): TtlPolicy {
  const key = TTL_KEY[kind];
  if (!key) return { type: "derived" };
  const seconds = config[key];
  if (kind === "eod" && seconds < 0) return { type: "session-close" };
  return { type: "seconds", seconds: Math.max(0, seconds) };
}

/** When an artifact created at `createdAt` (epoch ms) expires; null = never by age. */
export function expiresAt(policy: TtlPolicy, createdAt: number): number | null {
  switch (policy.type) {
    case "seconds":
      return createdAt + policy.seconds * 1000;
    case "session-close":
      return nextSessionClose(createdAt);
    case "derived":
      return null;
  }
}

export function describeTtl(policy: TtlPolicy): string {
  switch (policy.type) {
    case "seconds":
      return `${policy.seconds}s`;
    case "session-close":
      return "next close";
    case "derived":
      return "inputs";
  }
}
