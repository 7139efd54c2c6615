/**
 * Credentials and token status for the CLI (`ttapi auth`): the REST client's login operations,
 * re-exported at the platform layer so `src/cli` does not import `src/client` directly.
 */
export {
  type AuthStatus,
  authLogin,
  authLogout,
  authStatus,
  type CredentialSource,
  type LoginInput,
} from "../client/index.ts";
