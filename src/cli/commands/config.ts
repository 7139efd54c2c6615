import { defineCommand } from "citty";
import { describeConfig } from "../../core/config.ts";
import { globalArgs, runAction } from "../context.ts";

const show = defineCommand({
  meta: {
    name: "show",
    description: "print the effective config (flags > env > file > defaults), secrets redacted",
  },
  args: { ...globalArgs },
  run: ({ args }) =>
    runAction("config", args, async ({ loaded }) => {
      process.stdout.write(`${describeConfig(loaded)}\n`);
    }),
});

export default defineCommand({
  meta: { name: "config", description: "configuration" },
  subCommands: { show },
});
