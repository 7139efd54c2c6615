/**
 * Public API of the TastyTrade REST client.
 *
 *   const client = createClient({ baseUrl: sim.url, clientSecret, refreshToken, dataDir, concurrency: 16 });
 *   // or: createClient(clientOptionsFromConfig(config, dataDir))  (env/url/credentials/limits from config)
 *   const eq = await client.equities(["AAPL", "BRK/B"]);          // typed records
 *   const df = await client.frames.nestedChain("SPY");            // polars DataFrame, explicit schema
 *   const u = await collectUniverse(client, symbols, { signal });  // data + failures, or E_DEGRADED
 *   const f = await universeFrames(u);                              // equities/chains/metrics/quotes/failures frames
 *
 * Nested chains are decoded by a columnar scanner (chain-scan.ts): `strikes` arrays are built on
 * first access and the chain DataFrame is filled straight from the columns; `scanWorkers: n`
 * moves that decoding to n worker threads (off by default: inline is faster on a busy 2-core box).
 *
 * Every method takes `{ signal }`; errors are TTErrors (E_AUTH, E_HTTP, E_RATE_LIMIT, E_NETWORK,
 * E_TIMEOUT, E_PARSE, E_CIRCUIT_OPEN, E_DEGRADED, E_CANCELLED) whose message names the request.
 */
export { type CachedToken, type Credentials, TokenManager, tokenCachePath } from "./auth.ts";
export {
  type CallOptions,
  type ClientFrames,
  type ClientOptions,
  clientOptionsFromConfig,
  createClient,
  DEFAULT_CONCURRENCY,
  isUnavailable,
  notInSandbox,
  PER_PAGE,
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
export * from "./dxlink/index.ts";
export {
  API_ENVS,
  type ApiEnv,
  ENV_BASE_URLS,
  isApiEnv,
  resolveBaseUrl,
  SIM_DEFAULT_CREDENTIALS,
} from "./environments.ts";
export { CHAIN_STRIKE_COLUMNS, QUOTE_COLUMNS, schemaOf } from "./frames.ts";
export {
  type AuthStatus,
  authLogin,
  authLogout,
  authStatus,
  type CredentialSource,
  type LoginInput,
} from "./login.ts";
export type * from "./models.ts";
export { decodeQuoteToken, quoteTokenExpiry, quoteTokenUsable } from "./models.ts";
export { BY_TYPE_LIMIT, type ByTypeRequest, chunkByType } from "./query.ts";
export { AdaptiveLimiter, type EndpointGroup } from "./resilience.ts";
export type { TransportStats } from "./transport.ts";
