/**
 * `ttapi config show`: the effective configuration (every key, its value and where it came from,
 * secrets redacted, the data directory in use). `ttapi config init`: write a commented example
 * `ttapi.toml` (every key at its default, commented out) where ttapi looks for it.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { defineCommand } from "citty";
import { defaultConfigPath, describeConfig, exampleConfigToml } from "../../core/config.ts";
import { ioError, usageError } from "../../core/errors.ts";
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

const init = defineCommand({
  meta: {
    name: "init",
    description:
      "write a commented example ttapi.toml (to --config PATH, default $XDG_CONFIG_HOME/ttapi/ttapi.toml)",
  },
  args: {
    config: {
      type: "string",
      description: "where to write it (default: $XDG_CONFIG_HOME/ttapi/ttapi.toml)",
      valueHint: "PATH",
    },
    force: { type: "boolean", description: "overwrite an existing file" },
    stdout: { type: "boolean", description: "print it instead of writing a file" },
  },
  run: ({ args }) => {
    const text = exampleConfigToml();
    if (args.stdout) {
      process.stdout.write(text);
      return;
    }
    const path = (args.config as string | undefined) || defaultConfigPath();
    if (existsSync(path) && !args.force)
      throw usageError(`${path} already exists`, {
        hint: "pass --force to overwrite it, or --stdout to print the example",
      });
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { mode: 0o644 });
    } catch (e) {
      throw ioError(`cannot write ${path}: ${(e as Error).message}`, {
        cause: e,
        hint: "pass a writable path to --config, or --stdout to print the example",
      });
    }
    process.stderr.write(`wrote ${path} (every key commented out at its default; edit what you need)\n`);
  },
});

export default defineCommand({
  meta: { name: "config", description: "configuration: show the effective values, or write an example file" },
  subCommands: { show, init },
});
