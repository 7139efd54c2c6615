/**
 * The single redaction layer: every log line and every error message printed by ttapi passes
 * through `redact`. It removes
 *  - values registered at runtime as secret (client secret, refresh/access tokens, quote tokens,
 *    account numbers seen in API responses),
 *  - bearer tokens and JWT-shaped strings,
 *  - values of secret-looking keys (`token`, `secret`, `password`, `authorization`, `account-number`…)
 *    in JSON, query strings and `key=value` text,
 *  - TastyTrade-style account numbers in URL paths (`/accounts/5WT12345/...`),
 *  - values of secret-bearing command-line options (`--client-secret X`, `--refresh-token=X`,
 *    `--password X`), so the argv a command logs never carries them,
 *  - user-info in URLs (`http://user:password@host` → `http://[REDACTED]@host`).
 */

const MASK = "[REDACTED]";
const knownSecrets = new Set<string>();
let secretPattern: RegExp | null = null;

/** Register a runtime secret (token, client secret, account number) so it is masked everywhere. */
export function registerSecret(value: string | null | undefined): void {
  if (!value || value.length < 4 || knownSecrets.has(value)) return;
  knownSecrets.add(value);
  const alternatives = [...knownSecrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
  secretPattern = new RegExp(alternatives.join("|"), "g");
}

/** For tests: forget registered secrets. */
export function clearSecrets(): void {
  knownSecrets.clear();
  secretPattern = null;
}

const SECRET_KEYS =
  "access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|secret|password|passwd|token|authorization|api[_-]?key|account[_-]?number|session[_-]?token|dxlink[_-]?token";

// "key": "value"  (JSON)
const jsonKeyValue = new RegExp(`("(?:${SECRET_KEYS})"\\s*:\\s*)"((?:[^"\\\\]|\\\\.)*)"`, "gi");
// key=value in query strings / form bodies / text
const queryKeyValue = new RegExp(`\\b((?:${SECRET_KEYS})=)([^&\\s"',;]+)`, "gi");
// "Authorization: Bearer xyz" or "Bearer xyz"
const bearer = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=]+/gi;
// JWT: three base64url segments
const jwt = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g;
// Command-line options that carry a secret: `--client-secret X`, `--refresh-token=X`, `--password X`
// (the whole option name must end in a secret word, so `--token-ttl 900` is left alone).
const secretOption = new RegExp(
  `((?:^|[\\s"'\\[,])--?(?:[a-z0-9]+-)*(?:${SECRET_KEYS})(?:=|\\s+))("[^"]*"|'[^']*'|[^\\s"',\\]]+)`,
  "gi",
);
// User-info in URLs: scheme://user:password@host → scheme://[REDACTED]@host
const urlUserInfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@"']+@/gi;
// Account numbers in paths: /accounts/<n>/ (TastyTrade account numbers are short alphanumerics)
const accountPath = /(\/accounts\/)([^/?#\s"']+)/gi;
// Bare TastyTrade-style account numbers ("5WT12345", "5YZ00001"): digit, two-three letters, digits.
const accountNumber = /\b\d[A-Z]{2,3}\d{4,6}\b/g;

export function redact(text: string): string {
  if (text.length === 0) return text;
  let out = text;
  if (secretPattern) out = out.replace(secretPattern, MASK);
  out = out
    .replace(urlUserInfo, `$1${MASK}@`)
    .replace(secretOption, `$1${MASK}`)
    .replace(bearer, `$1 ${MASK}`)
    .replace(jwt, MASK)
    .replace(jsonKeyValue, `$1"${MASK}"`)
    .replace(queryKeyValue, `$1${MASK}`)
    .replace(accountPath, `$1${MASK}`)
    .replace(accountNumber, MASK);
  return out;
}

const SECRET_KEY_RE = new RegExp(`^(?:${SECRET_KEYS})$`, "i");

/** Deep-redact a structured value: secret keys are masked, every string is passed through `redact`. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[…]";
  if (typeof value === "string") return redact(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY_RE.test(k) && v != null ? MASK : redactValue(v, depth + 1);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
