/** The pipeline as a library: `runPipeline(options) → summary`, plus its building blocks. */
export type { ArtifactValue, RunEnv } from "./artifact-task.ts";
export {
  type DemoFixtures,
  type DemoScale,
  demoFixturesDir,
  ensureDemoFixtures,
  FULL_SCALE_ROWS,
} from "./demo.ts";
export { DEMO_LAST_DAY, type DemoDaysResult, demoDays, runDemoDays } from "./demo-days.ts";
export {
  runGraph,
  STAGE_TITLES,
  STAGES,
  type StageId,
  type TaskContext,
  type TaskDef,
  type TaskEvent,
  type TaskResult,
  topoOrder,
} from "./graph.ts";
export { chainsLong, SNAPSHOT_SOURCES, volatilityFrame, withSnapshotTime } from "./lake-frames.ts";
export { barsSource, LAKE_MARKER, type MigrationReport, migrateDataDir } from "./lake-migrate.ts";
export {
  type LakeSummary,
  type LakeTableResult,
  type PartitionWriter,
  snapshotFrame,
  writeSnapshots,
} from "./lake-step.ts";
export {
  EXIT_CODES,
  PIPELINE_ARTIFACTS,
  type RunPipelineOptions,
  type RunStatus,
  type RunSummary,
  runPipeline,
  type StageSummary,
  type TaskSummary,
} from "./run.ts";
export { acquireRunLock, runLockHolder, runLockPath } from "./run-lock.ts";
export type { DemoOptions } from "./session.ts";
export { readSymbolsFile, resolveSymbols } from "./symbols.ts";
