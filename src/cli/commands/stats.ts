import { defineCommand } from "citty";
import { internalError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

// Placeholder until its issue lands: fails loudly instead of pretending to work.
export default defineCommand({
  meta: { name: "stats", description: "stats (not implemented yet)" },
  args: { ...globalArgs },
  run: ({ args }) =>
    runAction("stats", args, async () => {
      throw internalError("ttapi stats is not implemented yet");
    }),
});
