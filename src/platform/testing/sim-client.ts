/**
 * Tests only: a REST client signed in to an in-process sim with its demo credentials, keeping no
 * files (no token cache, no config) unless `extra` names a data directory.
 */
import { type ClientOptions, createClient, type TastyClient } from "../../client/index.ts";
import type { SimServer } from "../../sim/index.ts";
import { simSignIn } from "../sim-sign-in.ts";

export function simClient(sim: SimServer, extra: Partial<ClientOptions> = {}): TastyClient {
  return createClient({ ...simSignIn(sim), ...extra });
}

/**
 * What a `ttapi` process needs to sign in to the sim given by `--env sim --url`: its demo
 * credentials, and no TTAPI_ENV/TTAPI_API_URL leaking in from the shell.
 */
export function simSignInEnv(sim: SimServer): Record<string, string> {
  return {
    TT_CLIENT_SECRET: sim.clientSecret,
    TT_REFRESH_TOKEN: sim.refreshToken,
    TTAPI_ENV: "",
    TTAPI_API_URL: "",
  };
}
