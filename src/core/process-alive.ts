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
