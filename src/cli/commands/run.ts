import { defineCommand } from "citty";
import { internalError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

// Placeholder until its issue lands: fails loudly instead of pretending to work.
export default defineCommand({
  meta: { name: "run", description: "run (not implemented yet)" },
  args: { ...globalArgs },
  run: ({ args }) =>
    runAction("run", args, async () => {
      throw internalError("ttapi run is not implemented yet");
    }),
});
