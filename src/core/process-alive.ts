import { readFileSync } from "node:fs";

/**
 * Whether a process with this pid exists: lock files and temp names embed their writer's pid, and
 * leftovers of a dead writer may be taken over or removed. A process of another user (EPERM)
 * exists too. The current process counts as alive; callers that may reclaim their own leftovers
 * check `pid === process.pid` themselves.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isFinite(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * When a process started, as an opaque string the OS keeps for its whole life (Linux: the start
 * time in clock ticks since boot, field 22 of /proc/<pid>/stat); null where unknown. A lock records
 * its owner's, so a pid reused by a later process is not mistaken for the owner.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
