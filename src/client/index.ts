/**
 * Public API of the TastyTrade REST client (see client.ts for `createClient`).
 *
 *   const client = createClient({ baseUrl: sim.url, clientSecret, refreshToken, dataDir });
 *   const { equities, chains, metrics, quotes, failures } = await collectUniverse(client, symbols, { signal });
 */
export { type CachedToken, type Credentials, TokenManager, tokenCachePath } from "./auth.ts";
export {
  type CallOptions,
  type ClientFrames,
  type ClientOptions,
  clientOptionsFromConfig,
  createClient,
  type PositionsQuery,
  type TastyClient,
} from "./client.ts";
export {
  type CollectionFailure,
  type CollectOptions,
  collectUniverse,
  degradedError,
  UNIVERSE_PARTS,
  type UniverseData,
  type UniversePart,
  universeFrames,
} from "./collect.ts";
export {
  credentialsPath,
  loadStoredCredentials,
  removeCredentials,
  resolveCredentials,
  storeCredentials,
} from "./credentials.ts";
export {
  API_ENVS,
  type ApiEnv,
  ENV_BASE_URLS,
  isApiEnv,
  resolveBaseUrl,
  SIM_DEFAULT_CREDENTIALS,
} from "./environments.ts";
export type * from "./models.ts";
export { BY_TYPE_LIMIT, type ByTypeRequest, chunkByType } from "./query.ts";
export type { EndpointGroup } from "./resilience.ts";
export type { TransportStats } from "./transport.ts";
