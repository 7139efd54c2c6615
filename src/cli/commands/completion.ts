/** `ttapi completion bash|zsh|fish`: print a completion script for the shell on stdout. */
import { defineCommand } from "citty";
import { usageError } from "../../core/errors.ts";
import { completionScript, SHELLS, type Shell } from "../completion.ts";
import { commandTree } from "../registry.ts";

export default defineCommand({
  meta: { name: "completion", description: "print a shell completion script (bash, zsh or fish)" },
  args: {
    shell: { type: "positional", description: "bash | zsh | fish", required: true, valueHint: "SHELL" },
  },
  run: async ({ args }) => {
    const shell = String(args.shell);
    if (!(SHELLS as readonly string[]).includes(shell))
      throw usageError(`unknown shell "${shell}"`, { hint: `use one of: ${SHELLS.join(", ")}` });
    process.stdout.write(completionScript(shell as Shell, await commandTree()));
  },
});
