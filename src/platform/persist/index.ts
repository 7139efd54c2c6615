export type { PersistJob, WrittenFile } from "./job.ts";
export { PersistWriter, type PersistWriterOptions } from "./writer.ts";
