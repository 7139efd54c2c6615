/**
 * Signing in to a running sim, apart from `./sim.ts`: that module loads the whole simulated
 * exchange, which a run imports only in demo mode.
 */
import type { ClientOptions } from "../client/index.ts";
import type { SimServer } from "../sim/index.ts";

/**
 * The client options that sign in to a running sim with its demo credentials and keep no files
 * (no token cache, no config): what a `--demo` run and the tests' clients share.
 */
export function simSignIn(sim: Pick<SimServer, "url" | "clientSecret" | "refreshToken">) {
  return {
    env: "sim",
    baseUrl: sim.url,
    clientSecret: sim.clientSecret,
    refreshToken: sim.refreshToken,
    dataDir: null,
    configDir: null,
  } satisfies Partial<ClientOptions>;
}
