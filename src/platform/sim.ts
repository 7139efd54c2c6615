/**
 * The simulated exchange as seen from the platform layer (the CLI may not import `src/sim` directly).
 */
export {
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN,
  type SimOptions,
  type SimServer,
  startSim,
} from "../sim/index.ts";
