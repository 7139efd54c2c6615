import { defineCommand } from "citty";
import { internalError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

// Placeholder until its issue lands: fails loudly instead of pretending to work.
export default defineCommand({
  meta: { name: "cache", description: "cache (not implemented yet)" },
  args: { ...globalArgs },
  run: ({ args }) =>
    runAction("cache", args, async () => {
      throw internalError("ttapi cache is not implemented yet");
    }),
});
