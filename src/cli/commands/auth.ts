import { defineCommand } from "citty";
import { internalError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

// Placeholder until its issue lands: fails loudly instead of pretending to work.
export default defineCommand({
  meta: { name: "auth", description: "auth (not implemented yet)" },
  args: { ...globalArgs },
  run: ({ args }) =>
    runAction("auth", args, async () => {
      throw internalError("ttapi auth is not implemented yet");
    }),
});
