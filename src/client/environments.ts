/**
 * API environments. Production and sandbox ("cert") have fixed hosts; `sim` is the local simulated
 * exchange (`ttapi sim`), whose port is chosen at start-up, so it always needs `--url` (the URL
 * `ttapi sim` prints). `--url` / `api.url` overrides the host of any environment.
 */
import { configError } from "../core/errors.ts";

export type ApiEnv = "production" | "sandbox" | "sim";

export const API_ENVS: readonly ApiEnv[] = ["production", "sandbox", "sim"];

export const ENV_BASE_URLS: Record<ApiEnv, string | null> = {
  production: "https://api.tastyworks.com",
  sandbox: "https://api.cert.tastyworks.com",
  sim: null,
};

/** Credentials the sim accepts by default (`ttapi sim` prints them; not secrets). */
export const SIM_DEFAULT_CREDENTIALS = { clientSecret: "sim-secret", refreshToken: "sim-refresh" } as const;

export function isApiEnv(v: string): v is ApiEnv {
  return (API_ENVS as readonly string[]).includes(v);
}

/** The REST base URL (no trailing slash) for an environment, or the validated override. */
export function resolveBaseUrl(env: ApiEnv, override?: string | null): string {
  if (override) {
    let u: URL;
    try {
      u = new URL(override);
    } catch {
      throw configError(`invalid API URL ${JSON.stringify(override)}`, {
        hint: "pass a full URL such as http://127.0.0.1:7878 to --url (or TTAPI_API_URL)",
      });
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      throw configError(`API URL must be http(s), got ${u.protocol}`, {
        hint: "pass an http:// or https:// URL to --url",
      });
    }
    return override.replace(/\/+$/, "");
  }
  const url = ENV_BASE_URLS[env];
  if (url === null) {
    throw configError(`the ${env} environment needs --url`, {
      hint: "start `ttapi sim` and pass the REST URL it prints to --url (or TTAPI_API_URL)",
    });
  }
  return url;
}
