export * from "./paths.ts";
export * from "./scan.ts";
export * from "./tables.ts";
export * from "./write.ts";
