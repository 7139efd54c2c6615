import { defineCommand } from "citty";
import { internalError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

// Placeholder until its issue lands: fails loudly instead of pretending to work.
export default defineCommand({
  meta: { name: "stream", description: "stream (not implemented yet)" },
  args: { ...globalArgs },
  run: ({ args }) =>
    runAction("stream", args, async () => {
      throw internalError("ttapi stream is not implemented yet");
    }),
});
