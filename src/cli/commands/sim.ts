import { defineCommand } from "citty";
import { internalError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

// Placeholder until its issue lands: fails loudly instead of pretending to work.
export default defineCommand({
  meta: { name: "sim", description: "sim (not implemented yet)" },
  args: { ...globalArgs },
  run: ({ args }) =>
    runAction("sim", args, async () => {
      throw internalError("ttapi sim is not implemented yet");
    }),
});
