export * from "./catalog.ts";
export * from "./contract-history.ts";
export * from "./inventory.ts";
export * from "./query.ts";
export * from "./read-only.ts";
export * from "./scans.ts";
