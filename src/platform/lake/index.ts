export * from "./bars.ts";
export * from "./calendar.ts";
export * from "./maintain.ts";
export * from "./paths.ts";
export * from "./scan.ts";
export * from "./status.ts";
export * from "./tables.ts";
export * from "./write.ts";
