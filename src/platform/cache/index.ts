export * from "./fingerprint.ts";
export * from "./kinds.ts";
export * from "./leftovers.ts";
export * from "./manifest.ts";
export * from "./store.ts";
