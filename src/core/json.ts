/** A parsed JSON value: what the REST client decodes and the simulated server encodes. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };
