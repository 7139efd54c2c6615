import { defineCommand } from "citty";
import { internalError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

// Placeholder until its issue lands: fails loudly instead of pretending to work.
export default defineCommand({
  meta: { name: "import", description: "import (not implemented yet)" },
  args: { ...globalArgs },
  run: ({ args }) =>
    runAction("import", args, async () => {
      throw internalError("ttapi import is not implemented yet");
    }),
});
