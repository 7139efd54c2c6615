/** The version, inlined at build time from package.json (the compiled binary has no package.json beside it). */
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
export const USER_AGENT = `ttapi/${VERSION}`;
